"""Tests for demos/train_mnist.py and demos/gradient_check.py on tiny IDX files written here."""
import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
import nn.datasets as D
from demos import train_mnist

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"mnist": (50, 10), "fashion-mnist": (60, 20)}   # (train, test) images
EPOCH = re.compile(r"^epoch\s+(\d+)\s+iter\s+(\d+)\s+loss\s+(\d+\.\d+)\s+train acc\s+(\d\.\d+)\s+"
                   r"test acc\s+(\d\.\d+)$")
FINAL = re.compile(r"^final: train acc (\d\.\d+), test acc (\d\.\d+); (\d+) steps in (\d+\.\d+) s "
                   r"\((\d+) steps/s")


def write_idx(path, array):
    array = np.asarray(array, dtype=np.uint8)
    header = (0x0800 | array.ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def write_dataset(directory, n_train, n_test, seed):
    """The four standard files: random 28x28 images whose label depends on their brightness."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True)
    for images, labels, n in ((D.TRAIN_IMAGES, D.TRAIN_LABELS, n_train), (D.TEST_IMAGES, D.TEST_LABELS, n_test)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        write_idx(directory / images, x)
        write_idx(directory / labels, x[:, :14].mean(axis=(1, 2)).astype(int) % 10)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """tmp/data/{mnist,fashion-mnist}/ with tiny datasets; nothing else can be found or downloaded."""
    monkeypatch.delenv("AUTOGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(D, "MIRRORS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setattr(D, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    root = tmp_path / "data"
    for seed, (name, (n_train, n_test)) in enumerate(SIZES.items()):
        write_dataset(root / name, n_train, n_test, seed)
    return root


def run_main(capsys, *args):
    result = train_mnist.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return result, out.splitlines(), err


def epoch_lines(lines):
    return [EPOCH.match(line).groups() for line in lines if line.startswith("epoch")]


def final_line(lines):
    finals = [FINAL.match(line) for line in lines if line.startswith("final:")]
    assert len(finals) == 1 and finals[0] is not None, lines
    return finals[0].groups()


def load_saved(path, hidden, dtype=np.float64):
    net = nn.TwoLayerNet(784, hidden, 10, dtype=dtype, rng=np.random.default_rng(123))
    net.load(path)
    return net


def subprocess_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_DATA"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


# --- train_mnist, in process -----------------------------------------------------------------

def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit) as info:
        train_mnist.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--dataset", "--data-dir", "--iters", "--batch-size", "--lr", "--hidden", "--optimizer",
                 "--dtype", "--seed", "--plot", "--save", "--graph"):
        assert flag in out


def test_prints_one_line_per_epoch_with_train_and_test_accuracy_and_a_summary(data_dir, capsys, tmp_path):
    result, lines, _ = run_main(capsys, "--dataset", "fashion-mnist", "--data-dir", data_dir, "--iters", 7,
                                "--batch-size", 20, "--quiet", "--save", tmp_path / "net.npz")
    assert lines[0].startswith("fashion-mnist: 60 training and 20 test images")
    epochs = epoch_lines(lines)
    # 60 images in batches of 20: an epoch every 3 steps, and the last step
    assert [(int(e), int(i)) for e, i, *_ in epochs] == [(0, 0), (1, 3), (2, 6)]
    for _, _, loss, train_acc, test_acc in epochs:
        assert 0 < float(loss) < 10 and 0 <= float(train_acc) <= 1 and 0 <= float(test_acc) <= 1
    train_acc, test_acc, steps, wall, rate = final_line(lines)
    assert (train_acc, test_acc) == epochs[-1][3:]
    assert int(steps) == 7 and float(wall) >= 0 and int(rate) > 0
    assert result["train_acc"] == pytest.approx(float(train_acc), abs=5e-5)
    assert result["test_acc"] == pytest.approx(float(test_acc), abs=5e-5)
    assert result["wall_s"] > 0
    # the accuracies are those of the trained net on the whole training and test sets
    (x_train, t_train), (x_test, t_test) = D.load_fashion_mnist(root=data_dir)
    net = load_saved(tmp_path / "net.npz", hidden=50)
    assert net.accuracy(x_train.astype(np.float64), t_train) == result["train_acc"]
    assert net.accuracy(x_test.astype(np.float64), t_test) == result["test_acc"]


def test_dataset_defaults_to_mnist(data_dir, capsys):
    _, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 2, "--quiet")
    assert lines[0].startswith("mnist: 50 training and 10 test images")
    assert "784-50-10, batch 100, lr 0.1, sgd, float64" in lines[0]


def test_iters_and_batch_size_set_the_number_of_steps_and_epochs(data_dir, capsys):
    _, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 12, "--batch-size", 10, "--quiet")
    # 50 images in batches of 10: an epoch every 5 steps, and the last step
    assert [int(i) for _, i, *_ in epoch_lines(lines)] == [0, 5, 10, 11]
    assert int(final_line(lines)[2]) == 12


def replay(data_dir, optimizer, steps, batch_size, lr, hidden, seed, dtype=np.float64):
    """What train_mnist should compute: the same seed, initial weights and minibatches."""
    (x_train, t_train), _ = D.load_mnist(root=data_dir)
    x_train = x_train.astype(dtype)
    np.random.seed(seed)
    net = nn.TwoLayerNet(784, hidden, 10, dtype=dtype)
    opt = train_mnist.OPTIMIZERS[optimizer](net.parameters(), lr=lr)
    for _ in range(steps):
        mask = np.random.choice(len(x_train), batch_size)
        loss = net.loss(x_train[mask], t_train[mask])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


@pytest.mark.parametrize("optimizer, cls", [("sgd", nn.optim.SGD), ("momentum", nn.optim.Momentum),
                                            ("adagrad", nn.optim.AdaGrad), ("adam", nn.optim.Adam)])
def test_optimizer_lr_hidden_seed_and_batch_size_flags_are_used(data_dir, capsys, tmp_path, optimizer, cls):
    assert train_mnist.OPTIMIZERS[optimizer] is cls
    path = tmp_path / "net.npz"
    _, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 3, "--batch-size", 8, "--lr", 0.05,
                           "--hidden", 7, "--seed", 3, "--optimizer", optimizer, "--save", path, "--quiet")
    assert f"784-7-10, batch 8, lr 0.05, {optimizer}, float64" in lines[0]
    assert f"parameters written to {path}" in lines
    saved = load_saved(path, hidden=7)
    expected = replay(data_dir, optimizer, steps=3, batch_size=8, lr=0.05, hidden=7, seed=3)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(saved.params[key], expected.params[key], rtol=1e-12, atol=1e-15)
    if optimizer != "sgd":
        plain = replay(data_dir, "sgd", steps=3, batch_size=8, lr=0.05, hidden=7, seed=3)
        assert not np.allclose(saved.params["W2"], plain.params["W2"], rtol=1e-6, atol=0)


def test_seed_makes_runs_repeatable(data_dir, capsys, tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        run_main(capsys, "--data-dir", data_dir, "--iters", 2, "--hidden", 5, "--seed", seed,
                 "--save", tmp_path / f"{name}.npz", "--quiet")
    a, b, c = (load_saved(tmp_path / f"{name}.npz", hidden=5) for name in "abc")
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.allclose(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_dtype_float32_keeps_the_parameters_float32(data_dir, capsys, tmp_path, optimizer):
    path = tmp_path / "net.npz"
    _, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 4, "--hidden", 6, "--dtype", "float32",
                           "--optimizer", optimizer, "--save", path, "--quiet")
    assert lines[0].endswith("float32")
    with np.load(path) as npz:
        assert sorted(npz.files) == ["layers.Affine1.W", "layers.Affine1.b", "layers.Affine2.W", "layers.Affine2.b"]
        assert all(npz[name].dtype == np.float32 for name in npz.files)
    saved = load_saved(path, hidden=6, dtype=np.float32)
    expected = replay(data_dir, optimizer, steps=4, batch_size=100, lr=0.1, hidden=6, seed=0, dtype=np.float32)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(saved.params[key], expected.params[key], rtol=1e-5, atol=1e-7)


def test_plot_writes_a_png(data_dir, capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    _, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 3, "--plot", path, "--quiet")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"curves written to {path}" in lines


def test_plot_without_matplotlib_says_so_and_still_finishes(data_dir, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # `import matplotlib` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    path = tmp_path / "curves.png"
    result, lines, err = run_main(capsys, "--data-dir", data_dir, "--iters", 3, "--plot", path,
                                  "--save", tmp_path / "net.npz", "--quiet")
    assert "matplotlib is not installed" in err and str(path) in err
    assert not path.exists()
    assert (tmp_path / "net.npz").exists() and "train_acc" in result
    final_line(lines)


def test_progress_bar_uses_tqdm_when_installed(data_dir, capsys):
    pytest.importorskip("tqdm")
    _, lines, err = run_main(capsys, "--data-dir", data_dir, "--iters", 10, "--batch-size", 10)
    assert "10/10" in err
    assert len(epoch_lines(lines)) == 3     # steps 0, 5 and 9: the bar does not swallow them


def test_progress_falls_back_to_plain_lines_without_tqdm(data_dir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)   # `from tqdm import tqdm` now raises ImportError
    _, lines, err = run_main(capsys, "--data-dir", data_dir, "--iters", 10, "--batch-size", 10)
    assert "100% (10/10 steps)" in err and " 50% (5/10 steps)" in err
    assert len(epoch_lines(lines)) == 3
    final_line(lines)


def test_quiet_shows_no_progress(data_dir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    _, lines, err = run_main(capsys, "--data-dir", data_dir, "--iters", 10, "--quiet")
    assert "steps)" not in err and "10/10" not in err
    final_line(lines)


def test_graph_draws_one_step_and_leaves_training_unchanged(data_dir, capsys, tmp_path):
    common = ["--data-dir", data_dir, "--iters", 3, "--hidden", 5, "--quiet"]
    _, lines, _ = run_main(capsys, *common, "--graph", tmp_path / "step.dot", "--save", tmp_path / "a.npz")
    dot = (tmp_path / "step.dot").read_text()
    assert dot.startswith("digraph") and "Affine" in dot and "ReLU" in dot
    assert any(str(tmp_path / "step.dot") in line for line in lines)
    run_main(capsys, *common, "--save", tmp_path / "b.npz")
    a, b = load_saved(tmp_path / "a.npz", 5), load_saved(tmp_path / "b.npz", 5)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(a.params[key], b.params[key])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_renders_svg_with_dot(data_dir, capsys, tmp_path):
    run_main(capsys, "--data-dir", data_dir, "--iters", 1, "--hidden", 5, "--graph", tmp_path / "step.svg", "--quiet")
    assert "<svg" in (tmp_path / "step.svg").read_text()


@pytest.mark.parametrize("flag, value", [("--iters", "0"), ("--batch-size", "0"), ("--lr", "0"),
                                         ("--lr", "-0.1"), ("--hidden", "-1"), ("--iters", "ten")])
def test_bad_numbers_are_rejected_naming_the_flag(capsys, flag, value):
    with pytest.raises(SystemExit) as info:
        train_mnist.main([flag, value])
    assert info.value.code == 2
    assert flag in capsys.readouterr().err


@pytest.mark.parametrize("flag, value", [("--dataset", "cifar"), ("--optimizer", "rmsprop"), ("--dtype", "float16")])
def test_unknown_choices_are_rejected(capsys, flag, value):
    with pytest.raises(SystemExit) as info:
        train_mnist.main([flag, value])
    assert info.value.code == 2
    assert value in capsys.readouterr().err


def test_missing_data_is_an_error_that_says_what_was_tried(data_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(D.DatasetError) as info:
        train_mnist.main(["--data-dir", str(empty), "--iters", "1", "--quiet"])
    assert str(empty) in str(info.value) and "To fix it" in str(info.value)


# --- as the user runs them -------------------------------------------------------------------

def test_python_m_train_mnist(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    done = subprocess.run(
        [sys.executable, "-m", "demos.train_mnist", "--dataset", "fashion-mnist", "--data-dir", str(data_dir),
         "--iters", "6", "--batch-size", "30", "--lr", "0.05", "--hidden", "8", "--optimizer", "momentum",
         "--dtype", "float32", "--seed", "4", "--save", str(path)],
        cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("fashion-mnist: 60 training and 20 test images; 784-8-10, batch 30, lr 0.05, "
                               "momentum, float32")
    assert [int(i) for _, i, *_ in epoch_lines(lines)] == [0, 2, 4, 5]
    assert int(final_line(lines)[2]) == 6
    assert load_saved(path, hidden=8, dtype=np.float32).params["W1"].dtype == np.float32


def test_python_m_gradient_check_prints_small_differences(data_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "demos.gradient_check", "--dataset", "fashion-mnist", "--data-dir", str(data_dir)],
        cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    diffs = dict(line.split(":", 1) for line in done.stdout.splitlines())
    assert sorted(diffs) == ["W1", "W2", "b1", "b2"]
    for key, value in diffs.items():
        assert 0 <= float(value) < 1e-6, (key, value)
