"""The book's networks of chapters 6-8 (SimpleConvNet, MultiLayerNet, MultiLayerNetExtend,
DeepConvNet): the book's API, params aliasing the parameters, gradient() against
numerical_gradient() on small inputs, and save_params/load_params as .npz."""
import pickle

import numpy as np
import pytest

import nn


def same_dropout_masks(net, seed=0):
    """Every loss evaluation (loss() and gradient() both run loss_tensor()) draws the same dropout
    masks, so finite differences see one function."""
    loss = net.loss_tensor

    def fixed(*args, **kwargs):
        np.random.seed(seed)
        return loss(*args, **kwargs)
    net.loss_tensor = fixed
    return net


def assert_gradient_matches_numerical(net, x, t, rtol=1e-5, atol=1e-7):
    num = net.numerical_gradient(x, t)
    bp = net.gradient(x, t)
    assert set(num) == set(bp) == set(net.params)
    for key in net.params:
        assert bp[key].shape == net.params[key].shape, key
        scale = max(np.abs(num[key]).max(), 1e-3)
        err = np.abs(bp[key] - num[key]).max()
        assert err <= atol + rtol * scale, (key, err, scale)


def data(shape, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.integers(0, classes, shape[0])


def test_simple_convnet_has_the_books_api():
    np.random.seed(0)
    net = nn.SimpleConvNet()
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert net.params["W1"].shape == (30, 1, 5, 5) and net.params["W2"].shape == (4320, 100)
    assert list(net.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]
    assert isinstance(net.last_layer, nn.SoftmaxWithLoss)
    x, t = data((3, 1, 28, 28), 10)
    assert net.predict(x).shape == (3, 10)
    assert 0 <= net.accuracy(x, t, batch_size=2) <= 1
    assert len(net.parameters()) == 6


def test_params_alias_the_parameters_so_the_books_update_trains():
    net = nn.SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 3, "filter_size": 3},
                           hidden_size=6, output_size=3, weight_init_std=0.3)
    x, t = data((6, 1, 8, 8))
    first = net.loss(x, t).item()
    for _ in range(20):
        grads = net.gradient(x, t)
        for key in net.params:
            net.params[key] -= 0.1 * grads[key]
    assert net.loss(x, t).item() < first
    assert net.params["W1"] is net.layers["Conv1"].W.data


def test_simple_convnet_gradient_matches_numerical_gradient():
    net = nn.SimpleConvNet(input_dim=(2, 6, 6), conv_param={"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1},
                           hidden_size=4, output_size=3, weight_init_std=0.5, rng=np.random.default_rng(1))
    x, t = data((2, 2, 6, 6))
    assert_gradient_matches_numerical(net, x, t)


@pytest.mark.parametrize("activation, init", [("relu", "he"), ("sigmoid", "xavier"), ("relu", 0.3)])
def test_multi_layer_net_gradient_with_weight_decay(activation, init):
    net = nn.MultiLayerNet(5, [4, 3], 3, activation=activation, weight_init_std=init, weight_decay_lambda=0.1,
                           rng=np.random.default_rng(2))
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    x, t = data((4, 5))
    assert_gradient_matches_numerical(net, x, t)
    plain = net.last_layer(net.predict(x), t).item()
    decay = 0.5 * 0.1 * sum((net.params[k] ** 2).sum() for k in ("W1", "W2", "W3"))
    assert net.loss(x, t).item() == pytest.approx(plain + decay, rel=1e-12)


def test_multi_layer_net_weight_scales_are_the_books():
    net = nn.MultiLayerNet(400, [300], 10, weight_init_std="relu", rng=np.random.default_rng(0))
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    net = nn.MultiLayerNet(400, [300], 10, weight_init_std="sigmoid", rng=np.random.default_rng(0))
    assert net.params["W2"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.05)
    with pytest.raises(ValueError, match="weight_init_std"):
        nn.MultiLayerNet(4, [3], 2, weight_init_std="lecun")


def test_multi_layer_net_extend_with_batchnorm_and_dropout_gradient():
    net = nn.MultiLayerNetExtend(5, [4, 4], 3, weight_decay_lambda=0.05, use_dropout=True, dropout_ration=0.3,
                                 use_batchnorm=True, rng=np.random.default_rng(3))
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert list(net.layers)[:4] == ["Affine1", "BatchNorm1", "Activation_function1", "Dropout1"]
    x, t = data((6, 5))
    assert_gradient_matches_numerical(same_dropout_masks(net), x, t)


def test_multi_layer_net_extend_modes():
    net = nn.MultiLayerNetExtend(5, [4], 3, use_dropout=True, use_batchnorm=True, rng=np.random.default_rng(0))
    x, _ = data((8, 5))
    bn = net.layers["BatchNorm1"]
    net.predict(x, train_flg=True)
    assert bn.running_mean.any()                  # training updated the running statistics
    before = bn.running_mean.copy()
    a, b = net.predict(x).data, net.predict(x).data  # evaluation: deterministic, statistics kept
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(bn.running_mean, before)
    assert net.training  # predict's train_flg does not change the module's own mode
    net.eval()
    assert not any(layer.training for layer in net.layers.values())
    np.testing.assert_array_equal(net(x).data, a)


def test_deep_convnet_is_the_books_network_and_its_gradient_matches():
    np.random.seed(0)
    full = nn.DeepConvNet()
    assert list(full.params) == [f"{p}{i}" for i in range(1, 9) for p in "Wb"]
    assert full.params["W7"].shape == (64 * 4 * 4, 50) and full.params["W8"].shape == (50, 10)
    assert full.params["W2"].std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.1)
    assert [k for k in full.layers if k.startswith(("Pool", "Dropout"))] == ["Pool1", "Pool2", "Pool3", "Dropout1", "Dropout2"]
    x, t = data((2, 1, 28, 28), 10)
    assert full.predict(x).shape == (2, 10)
    small = [{"filter_num": 2, "filter_size": 3, "pad": p, "stride": 1} for p in (1, 1, 1, 2, 1, 1)]
    net = nn.DeepConvNet((1, 4, 4), *small, hidden_size=3, output_size=3, rng=np.random.default_rng(4))
    x, t = data((2, 1, 4, 4))
    assert_gradient_matches_numerical(same_dropout_masks(net), x, t)


@pytest.mark.parametrize("make", [
    lambda: nn.SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4, output_size=3),
    lambda: nn.MultiLayerNetExtend(36, [4], 3, use_batchnorm=True),
])
def test_save_params_and_load_params_as_npz(tmp_path, make):
    net = make()
    x, _ = data((4, 1, 6, 6))
    net.predict(x.reshape(4, -1) if isinstance(net, nn.MultiLayerNetExtend) else x, train_flg=True)
    path = tmp_path / "params.npz"
    net.save_params(path)
    with np.load(path, allow_pickle=False) as f:  # plain arrays under the book's keys: no pickle
        assert set(net.params) <= set(f.files)
    other = make()
    aliases = dict(other.params)
    other.load_params(path)
    for key in net.params:
        np.testing.assert_array_equal(other.params[key], net.params[key])
        assert other.params[key] is aliases[key]
    for (name, a), (_, b) in zip(net.named_buffers(), other.named_buffers()):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "one.npz").write_bytes(b"\x80\x04K\x01.")  # a pickle of the number 1, not of arrays
    with pytest.raises(pickle.UnpicklingError, match="holds a value of type int; only NumPy arrays"):
        other.load_params(tmp_path / "one.npz")


def test_float32_networks_stay_float32():
    net = nn.SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4,
                           output_size=3, dtype=np.float32)
    x, t = data((2, 1, 8, 8))
    grads = net.gradient(x.astype(np.float32), t)
    assert all(g.dtype == np.float32 for g in grads.values())
