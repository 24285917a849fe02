"""The device seam (autograd.device): device="cpu" everywhere, moves, errors, a CPU install that
never imports CuPy, and, on a stand-in GPU, what the seam itself decides: which device an array is
on, mixed devices refused, gradients back through .to(), Module.to moving parameters, gradients,
buffers and the dicts that alias them, files written as NumPy. The stand-in is a NumPy array
subclass registered as the `cupy` module's ndarray: NumPy runs its arithmetic, the engine takes
it for a GPU array. benchmarks/gpu.py runs the same seam on a real GPU."""
import functools
import subprocess
import sys
import types

import numpy as np
import pytest

import autograd.functions as F
from autograd import Tensor, device, grad, testing
from autograd.ops import OPS
from benchmarks.gpu import on_device
from nn import MultiLayerNetExtend, SimpleConvNet
from nn.optim import SGD


# --- on the CPU ------------------------------------------------------------------------------

def test_a_cpu_install_never_imports_cupy():
    code = ("import sys, numpy as np, autograd, nn\n"
            "from autograd import Tensor\n"
            "t = Tensor([1.0, 2.0], device='cpu', requires_grad=True)\n"
            "(t.to('cpu') * t).sum().backward()\n"
            "net = nn.SimpleConvNet().to('cpu')\n"
            "net.predict(np.zeros((1, 1, 28, 28)))\n"
            "assert t.device == 'cpu' and 'cupy' not in sys.modules, sorted(sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_tensors_are_on_the_cpu_by_default_and_when_asked():
    a = np.arange(3.0)
    assert Tensor(a).device == "cpu" and Tensor(a, device="cpu")._data is a  # no copy
    t = Tensor([1, 2], device="cpu", requires_grad=True)
    assert t.device == "cpu" and t.dtype == np.float64 and t.requires_grad
    assert t.to("cpu") is t and (t * 2).device == "cpu"


@pytest.mark.parametrize("move", [lambda: Tensor([1.0], device="gpu"), lambda: Tensor([1.0]).to("gpu"),
                                  lambda: SimpleConvNet().to("cuda:0")])
def test_an_unknown_device_is_named(move):
    with pytest.raises(ValueError, match="unknown device .*expected 'cpu' or 'cuda'"):
        move()


def test_cuda_without_cupy_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` fails, wherever CuPy is
    net = SimpleConvNet()
    W1 = net.params["W1"]
    for move in (lambda: Tensor([1.0], device="cuda"), lambda: Tensor([1.0]).to("cuda"), lambda: net.to("cuda")):
        with pytest.raises(RuntimeError, match="device 'cuda' needs CuPy, which is not installed: pip install cupy") as e:
            move()
        assert e.value.__cause__ is None and e.value.__suppress_context__  # no chained traceback
    assert net.params["W1"] is W1 is net._by_key["W1"]._data  # nothing moved


def test_module_to_its_own_device_changes_nothing():
    net = SimpleConvNet()
    arrays = dict(net.params)
    versions = [p._version for p in net.parameters()]
    assert net.to("cpu") is net
    assert all(net.params[k] is arrays[k] is net._by_key[k]._data for k in arrays)
    assert [p._version for p in net.parameters()] == versions


# --- on a stand-in GPU -------------------------------------------------------------------------

class StandInArray(np.ndarray):
    """What the engine takes for a CuPy array, computed by NumPy."""

    def get(self):
        return np.array(self)

    def __array_function__(self, func, types, args, kwargs):
        # NumPy's functions hand CuPy arrays to CuPy, whose results stay on the GPU
        out = super().__array_function__(func, types, args, kwargs)
        return out.view(StandInArray) if type(out) is np.ndarray else out

    def __getitem__(self, index):  # CuPy's one element is a 0-d array, not a NumPy scalar
        out = super().__getitem__(index)
        return out if isinstance(out, np.ndarray) else _there(out)


def _there(a, dtype=None):
    return np.array(a, dtype=dtype).view(StandInArray)


@pytest.fixture
def gpu(monkeypatch):
    cupy = types.ModuleType("cupy")
    cupy.ndarray = StandInArray
    cupy.asarray = lambda a, dtype=None: (a if isinstance(a, StandInArray) and dtype in (None, a.dtype)
                                          else _there(a, dtype))
    cupy.array = _there
    cupy.zeros = lambda *a, **k: np.zeros(*a, **k).view(StandInArray)
    cupy.empty = lambda *a, **k: np.empty(*a, **k).view(StandInArray)
    cupy.ones = lambda *a, **k: np.ones(*a, **k).view(StandInArray)
    cupy.arange = lambda *a, **k: np.arange(*a, **k).view(StandInArray)
    cupy.random = types.SimpleNamespace(rand=lambda *shape: _there(np.random.rand(*shape)))
    cupy.add = np.add
    cupy.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        sliding_window_view=functools.partial(np.lib.stride_tricks.sliding_window_view, subok=True)))
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(CUDARuntimeError=RuntimeError))
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    checking = device.in_use[0]
    yield cupy
    device.in_use[0] = checking


def test_a_tensor_on_the_gpu(gpu):
    t = Tensor([1, 2], device="cuda")
    assert t.device == "cuda" and type(t.data) is StandInArray and t.dtype == np.float64
    assert repr(t) == "Tensor([1., 2.], device='cuda')"
    for to_numpy in (t.numpy, lambda: np.asarray(t)):
        with pytest.raises(TypeError, match=r"Tensor on cuda.*t\.to\('cpu'\)"):
            to_numpy()
    back = t.to("cpu")
    assert back.device == "cpu" and type(back.data) is np.ndarray and back.data.tolist() == [1.0, 2.0]
    assert Tensor(t, device="cpu").device == "cpu" and Tensor(t).device == "cuda"


@pytest.mark.parametrize("number", [2.0, 2, True, np.float64(2.0)])
def test_a_number_put_on_the_gpu_is_there(gpu, number):
    # a number on the CPU is kept as a NumPy scalar; asked for the GPU it must go there
    t = Tensor(number, device="cuda", requires_grad=True)
    assert t.device == "cuda" and type(t.data) is StandInArray and t.shape == ()
    (t * 3.0).backward()
    assert t.grad.device == "cuda" and float(t.grad.data) == 3.0


def test_inputs_on_two_devices_are_an_error_naming_both(gpu):
    g, c = Tensor([1.0, 2.0], device="cuda"), Tensor([3.0, 4.0])
    with pytest.raises(RuntimeError, match=r"Add: inputs on different devices: input 0 is on cuda, "
                                           r"input 1 on cpu; move one with \.to\('cuda'\) or \.to\('cpu'\)"):
        g + c
    with pytest.raises(RuntimeError, match="MatMul: .*input 0 is on cpu, input 1 on cuda"):
        np.ones((3, 2)) @ g
    with pytest.raises(RuntimeError, match="CrossEntropy: .*input 0 is on cuda, input 1 on cpu"):
        F.cross_entropy(g.reshape(1, 2), np.array([1]))
    assert (g + c.to("cuda")).device == "cuda" and (g * 2.0).device == "cuda"  # numbers go anywhere
    assert np.where(g > 1.5, g, -g).device == "cuda"  # the condition made where its tensor is


@pytest.mark.parametrize("labels", [np.int64(1), 1])
def test_labels_given_as_numbers_go_to_the_logits_device(gpu, labels):
    x = Tensor([[0.5, -0.5]], device="cuda", requires_grad=True)
    (g,) = grad(F.cross_entropy(x, labels), x, create_graph=True)
    g.sum().backward()  # the vjp itself, recorded on the device
    p = np.exp([0.5, -0.5]) / np.exp([0.5, -0.5]).sum()
    assert g.device == x.grad.device == "cuda" and np.allclose(g.data, [[p[0], p[1] - 1]])


def test_gradients_flow_back_through_a_move(gpu):
    x = Tensor([0.5, 1.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and y.grad_fn is not None
    y.exp().sum().backward()
    assert x.grad.device == "cpu" and np.allclose(x.grad.data, np.exp([0.5, 1.0]))
    (g,) = grad(x.to("cuda").exp().sum(), x, create_graph=True)  # and through the move's own vjp
    (gg,) = grad(g.sum(), x)
    assert g.device == gg.device == "cpu" and np.allclose(gg.data, np.exp([0.5, 1.0]))


def test_the_op_table_runs_on_the_device(gpu):
    """benchmarks/gpu.py's check: every op with its inputs moved to the device and its output
    moved back; an op whose result is made on the CPU fails (out.device is checked)."""
    for name, op in sorted(OPS.items()):
        testing.check_op(on_device(op, "cuda"), arguments=testing.op_arguments(op),
                         differentiable=op.differentiable, second_order=op.second_order, max_examples=3)


def test_module_to_moves_parameters_gradients_buffers_and_their_aliases(gpu):
    np.random.seed(0)
    net = MultiLayerNetExtend(4, [5], 3, use_batchnorm=True)
    params = {k: p for k, p in net._by_key.items()}
    net.gradient(np.random.rand(6, 4), np.array([0, 1, 2, 0, 1, 2]))
    assert net.to("cuda") is net
    for k, p in params.items():
        assert net._by_key[k] is p and p.device == "cuda" and net.params[k] is p._data
        assert p.grad.device == "cuda"
    assert all(type(b) is StandInArray for b in net.buffers())
    x, t = (device.to_device(a, "cuda") for a in (np.random.rand(6, 4), np.array([0, 1, 2, 0, 1, 2])))
    opt = SGD(net.parameters(), lr=0.1)
    before = {k: np.array(a) for k, a in net.params.items()}
    opt.zero_grad()
    net.loss_tensor(x, t, train_flg=True).backward()
    opt.step()
    for k, p in params.items():  # trained on the device, through the aliases too
        assert p.device == p.grad.device == "cuda" and net.params[k] is p._data
        assert not np.array_equal(before[k], net.params[k])
    net.to("cpu")
    assert all(type(net.params[k]) is np.ndarray and net.params[k] is p._data for k, p in params.items())
    assert all(type(b) is np.ndarray for b in net.buffers())


def test_a_module_on_the_gpu_saves_numpy_and_loads_from_either_device(gpu, tmp_path):
    np.random.seed(0)
    net = SimpleConvNet().to("cuda")
    assert all(type(a) is StandInArray for a in net.state_dict().values())  # state on its device
    net.save(tmp_path / "net.npz")
    with np.load(tmp_path / "net.npz") as f:
        saved = {k: f[k] for k in f.files}
    assert saved and all(type(a) is np.ndarray for a in saved.values())
    cpu = SimpleConvNet().load(tmp_path / "net.npz")
    assert all(np.array_equal(cpu.params[k], net.params[k].get()) for k in cpu.params)
    np.random.seed(1)
    other = SimpleConvNet().to("cuda")
    W1 = other.params["W1"]
    other.load(tmp_path / "net.npz")  # NumPy into device arrays, in place
    assert other.params["W1"] is W1 and type(W1) is StandInArray and np.array_equal(W1, net.params["W1"])
    cpu.load_state_dict(net.state_dict())  # device arrays into CPU ones
    assert type(cpu.params["W1"]) is np.ndarray and np.array_equal(cpu.params["W1"], net.params["W1"])
