"""Tests for the demos (train_mnist, gradient_check, apple_orange) as a user runs them: on tiny
IDX files written here, on a folder holding only the test set, and on the bundled digits."""
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nn
import nn.datasets as D
from demos import apple_orange, cli, gradient_check, train_mnist

ROOT = Path(__file__).resolve().parents[2]
NEEDS_DOT = "needs Graphviz's dot program on PATH (apt-get install graphviz)"
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

def help_entries(main, capsys):
    """--help's text per option: {'--iters': 'training steps (default: 10000)', ...}."""
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    entries, current = {}, None
    options = re.split(r"^(?:options|optional arguments):$", out, flags=re.M)[1]  # Python < 3.10 says the latter
    for line in options.splitlines():
        m = re.match(r"^  (-\S+)", line)
        if m:
            current = m.group(1).rstrip(",")
            entries[current] = line[len(m.group(0)):]
        elif current:
            entries[current] += " " + line
    return out, {k: " ".join(v.split()) for k, v in entries.items()}


TRAIN_DEFAULTS = {"--dataset": "mnist", "--data-dir": "$AUTOGRAD_DATA, the cache, a download, then for mnist "
                  "the bundled test digits", "--iters": "10000", "--batch-size": "100", "--lr": "0.1",
                  "--hidden": "50", "--optimizer": "sgd", "--dtype": "float64", "--seed": "0", "--device": "cpu",
                  "--plot": "no plot", "--save": "not saved", "--graph": "not drawn",
                  "--quiet": "a bar on stderr"}


def test_help_shows_every_flag_with_its_default(capsys):
    out, entries = help_entries(train_mnist.main, capsys)
    assert out.startswith("usage: python -m demos.train_mnist ")
    assert sorted(entries) == sorted(["-h", *TRAIN_DEFAULTS])
    for flag, default in TRAIN_DEFAULTS.items():
        assert f"(default: {default})" in entries[flag], (flag, entries[flag])
        assert len(entries[flag].split("(default:")[0].split()) >= 2  # a help text, not only the default


@pytest.mark.parametrize("name, module, flags", [
    ("gradient_check", gradient_check, {"--dataset": "mnist", "--seed": "0"}),
    ("apple_orange", apple_orange, {"--graph": "not drawn"})])
def test_every_demo_says_how_it_is_run_and_its_defaults(capsys, name, module, flags):
    out, entries = help_entries(module.main, capsys)
    assert out.startswith(f"usage: python -m demos.{name} ")
    for flag, default in flags.items():
        assert f"(default: {default})" in entries[flag]
    assert all("(default:" in text for flag, text in entries.items() if flag != "-h")


def test_prints_one_line_per_epoch_with_train_and_test_accuracy_and_a_summary(data_dir, capsys, tmp_path):
    result, lines, _ = run_main(capsys, "--dataset", "fashion-mnist", "--data-dir", data_dir, "--iters", 7,
                                "--batch-size", 20, "--quiet", "--save", tmp_path / "net.npz")
    assert lines[0] == f"Fashion-MNIST: 60 training and 20 test images from {data_dir / 'fashion-mnist'} (--data-dir)"
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
    assert lines[0] == f"MNIST: 50 training and 10 test images from {data_dir / 'mnist'} (--data-dir)"
    assert lines[1] == "784-50-10, batch 100, lr 0.1, sgd, float64; 2 steps, an epoch every 1"


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
        loss = net.loss_tensor(x_train[mask], t_train[mask])
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
    assert lines[1].startswith(f"784-7-10, batch 8, lr 0.05, {optimizer}, float64;")
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
    assert "float32;" in lines[1]
    with np.load(path) as npz:
        assert sorted(npz.files) == ["W1", "W2", "b1", "b2"]
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


@pytest.mark.skipif(shutil.which("dot") is None, reason=NEEDS_DOT)
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


def test_a_data_dir_without_the_files_is_refused_in_the_users_words(data_dir, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for dataset in ("mnist", "fashion-mnist"):
        with pytest.raises(D.DatasetError) as info:
            train_mnist.main(["--dataset", dataset, "--data-dir", str(empty), "--iters", "1", "--quiet"])
        message = str(info.value)
        assert message.startswith(f"--data-dir {empty}: no ")
        assert "root=" not in message and "Leave out --data-dir" in message
    assert "epoch" not in capsys.readouterr().out  # refused before anything ran


# --- as the user runs them -------------------------------------------------------------------

def test_python_m_train_mnist(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    done = subprocess.run(
        [sys.executable, "-m", "demos.train_mnist", "--dataset", "fashion-mnist", "--data-dir", str(data_dir),
         "--iters", "6", "--batch-size", "30", "--lr", "0.05", "--hidden", "8", "--optimizer", "momentum",
         "--dtype", "float32", "--seed", "4", "--save", str(path)],
        cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Fashion-MNIST: 60 training and 20 test images from {data_dir / 'fashion-mnist'} (--data-dir)"
    assert lines[1].startswith("784-8-10, batch 30, lr 0.05, momentum, float32;")
    assert [int(i) for _, i, *_ in epoch_lines(lines)] == [0, 2, 4, 5]
    assert int(final_line(lines)[2]) == 6
    assert load_saved(path, hidden=8, dtype=np.float32).params["W1"].dtype == np.float32


def test_python_m_gradient_check_prints_small_differences(data_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "demos.gradient_check", "--dataset", "fashion-mnist", "--data-dir", str(data_dir)],
        cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first == f"Fashion-MNIST: 60 training and 20 test images from {data_dir / 'fashion-mnist'} (--data-dir)"
    diffs = dict(line.split(":", 1) for line in rest)
    assert sorted(diffs) == ["W1", "W2", "b1", "b2"]
    for key, value in diffs.items():
        assert 0 <= float(value) < 1e-6, (key, value)


# --- output paths are checked before training ------------------------------------------------

@pytest.mark.parametrize("flag, name, expected", [
    ("--save", "missing/net.npz", "the folder {tmp}/missing does not exist"),
    ("--plot", "missing/deeper/c.png", "the folder {tmp}/missing/deeper does not exist"),
    ("--graph", "missing/g.dot", "the folder {tmp}/missing does not exist"),
    ("--save", "afile/net.npz", "{tmp}/afile is not a folder"),
    ("--save", ".", ". is a folder; give a file name in it"),
    ("--graph", "g.txt", "cannot tell the format from the name; use .svg, .png, .pdf, .dot, .gv"),
    ("--plot", "curves.txt", "cannot write a plot as .txt; use "),
])
def test_bad_output_paths_are_refused_before_training(data_dir, tmp_path, capsys, monkeypatch,
                                                      flag, name, expected):
    if flag == "--plot":
        pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    loaded = []
    monkeypatch.setattr(train_mnist, "find_dataset", lambda *a, **k: loaded.append(a))
    with pytest.raises(SystemExit) as info:
        train_mnist.main(["--data-dir", str(data_dir), flag, name])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {flag} {name}: {expected.format(tmp=tmp_path)}" in err
    assert loaded == []  # nothing loaded, nothing trained


def test_a_graph_picture_without_dot_is_refused_before_training(data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(train_mnist.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit) as info:
        train_mnist.main(["--data-dir", str(data_dir), "--graph", str(tmp_path / "g.svg")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "needs Graphviz's dot program, which is not on PATH" in err and "a .dot path" in err
    run_main(capsys, "--data-dir", data_dir, "--iters", 1, "--graph", tmp_path / "g.dot", "--quiet")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")  # DOT text needs no dot


def test_python_m_train_mnist_save_to_a_missing_folder_is_refused_at_once(tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.train_mnist", "--save", "/nonexistent/net.npz"],
                          cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and done.stdout == ""
    assert "--save /nonexistent/net.npz: the folder /nonexistent does not exist" in done.stderr
    assert "Traceback" not in done.stderr


# --- Ctrl-C ends with the summary so far ----------------------------------------------------------

class InterruptingBar(cli.PlainBar):
    """A progress bar that presses Ctrl-C (a real SIGINT) at given step counts."""

    def __init__(self, at):
        super().__init__(1, quiet=True)
        self.at = at

    def update(self, k=1):
        super().update(k)
        if self.n in self.at:
            signal.raise_signal(signal.SIGINT)


def test_ctrl_c_ends_after_the_step_with_the_summary_and_still_saves(data_dir, capsys, tmp_path, monkeypatch):
    before = signal.getsignal(signal.SIGINT)  # Python's, or SIG_IGN under nohup and some CI runners
    monkeypatch.setattr(train_mnist, "progress", lambda total, quiet: InterruptingBar({7}))
    path = tmp_path / "net.npz"
    result, lines, _ = run_main(capsys, "--data-dir", data_dir, "--iters", 1000, "--batch-size", 10,
                                "--hidden", 6, "--save", path)
    assert result["interrupted"] and result["steps"] == 7
    assert "interrupted (Ctrl-C) after 7 of 1000 steps: the summary so far" in lines
    assert [int(i) for _, i, *_ in epoch_lines(lines)] == [0, 5, 6]  # and a fresh evaluation at the stop
    assert int(final_line(lines)[2]) == 7 and f"parameters written to {path}" in lines
    # what was saved is the net after exactly 7 whole steps
    expected = replay(data_dir, "sgd", steps=7, batch_size=10, lr=0.1, hidden=6, seed=0)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(load_saved(path, hidden=6).params[key], expected.params[key])
    assert signal.getsignal(signal.SIGINT) is before  # the handler that was there is restored


def test_a_second_ctrl_c_aborts(data_dir, monkeypatch):
    # Ctrl-C pressed during each evaluation: the first asks to stop, the second aborts.
    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(nn.TwoLayerNet, "accuracy", lambda self, x, t: signal.raise_signal(signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        train_mnist.main(["--data-dir", str(data_dir), "--iters", "100", "--batch-size", "10"])
    assert signal.getsignal(signal.SIGINT) is before


def test_python_m_train_mnist_ctrl_c_in_a_subprocess(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    env = dict(subprocess_env(tmp_path), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "demos.train_mnist", "--data-dir", str(data_dir),
                             "--iters", "100000000", "--batch-size", "10", "--hidden", "6", "--quiet",
                             "--save", str(path)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # wait until training runs: a few epochs printed
            line = proc.stdout.readline()
            seen.append(line.rstrip("\n"))
            if line.startswith("epoch  3") or not line:
                break
        assert seen[-1].startswith("epoch  3"), seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=600)
    finally:
        proc.kill()
    lines = seen + out.splitlines()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    stopped = [line for line in lines if line.startswith("interrupted (Ctrl-C) after ")]
    assert len(stopped) == 1 and stopped[0].endswith(" of 100000000 steps: the summary so far")
    steps = int(stopped[0].split()[3])
    assert steps >= 16 and int(final_line(lines)[2]) == steps
    assert f"parameters written to {path}" in lines
    assert load_saved(path, hidden=6).params["W1"].shape == (784, 6)


# --- data folders: the t10k files alone, the bundled digits --------------------------------------

@pytest.fixture
def t10k_dir(tmp_path):
    """A folder holding only the MNIST test set files (tiny here: 40 images)."""
    directory = tmp_path / "t10k"
    write_dataset(directory, n_train=1, n_test=40, seed=9)
    (directory / D.TRAIN_IMAGES).unlink()
    (directory / D.TRAIN_LABELS).unlink()
    return directory


def test_a_test_set_only_folder_serves_train_mnist_split_and_says_so(data_dir, t10k_dir, capsys):
    result, lines, _ = run_main(capsys, "--data-dir", t10k_dir, "--iters", 4, "--batch-size", 8, "--quiet")
    assert lines[0] == (f"MNIST: {t10k_dir} (--data-dir) holds only the test set (the t10k files): "
                        "training on its first 32 images, testing on the other 8")
    assert lines[1].endswith("4 steps, an epoch every 4")
    assert result["data"].test_only and int(final_line(lines)[2]) == 4


def test_python_m_gradient_check_on_a_test_set_only_folder(data_dir, t10k_dir, tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.gradient_check", "--data-dir", str(t10k_dir)],
                          cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first.startswith(f"MNIST: {t10k_dir} (--data-dir) holds only the test set")
    assert sorted(line.split(":")[0] for line in rest) == ["W1", "W2", "b1", "b2"]


def test_python_m_gradient_check_refuses_a_missing_folder_in_command_line_words(tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.gradient_check", "--data-dir", str(tmp_path / "typo")],
                          cwd=ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"python -m demos.gradient_check: --data-dir {tmp_path / 'typo'}: no MNIST files")
    assert "root=" not in done.stderr and "Traceback" not in done.stderr


def test_with_nothing_configured_train_mnist_uses_the_bundled_digits(data_dir, capsys):
    result, lines, _ = run_main(capsys, "--iters", 1, "--quiet")
    assert lines[0] == ("MNIST not found or downloadable: training on the bundled 10,000 test digits, "
                        f"8,000 train / 2,000 test (from {D.BUNDLED_DIR})")
    assert lines[1].startswith("  looked for the full set in: $AUTOGRAD_DATA: not set;")
    assert lines[2] == "784-50-10, batch 100, lr 0.1, sgd, float64; 1 steps, an epoch every 80"
    assert result["data"].where == "bundled"


def test_python_m_train_mnist_with_nothing_configured(tmp_path):
    """As on a fresh machine: no AUTOGRAD_DATA, an empty cache, no mirror answering."""
    env = subprocess_env(tmp_path)
    code = ("import nn.datasets as D; D.MIRRORS = {'mnist': [], 'fashion-mnist': []}; "
            "from demos import train_mnist as T; "
            "r = T.main(['--iters', '300', '--quiet']); print(r['data'].where, r['test_acc'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("MNIST not found or downloadable: training on the bundled 10,000 test digits")
    where, acc = lines[-1].split()
    assert where == "bundled" and float(acc) > 0.85  # real digits: 300 steps already learn them


def test_apple_orange_graph_into_a_missing_folder_is_a_message_not_a_traceback(tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "apple.dot"
    with pytest.raises(SystemExit) as exit_info:
        apple_orange.main(["--graph", str(target)])
    assert "python -m demos.apple_orange: --graph" in str(exit_info.value)
    assert "no-such-folder" in str(exit_info.value)
    assert "price: 715.0000000000001" in capsys.readouterr().out
