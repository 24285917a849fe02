"""demos/train_convnet.py and demos/chapter6.py on tiny IDX files (real data runs are CI's)."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
import nn.datasets as D
from demos import chapter6, train_convnet
from tests.demos.test_demos import data_dir, write_dataset  # noqa: F401  (data_dir: a fixture)

ROOT = Path(__file__).resolve().parents[2]
EPOCH = re.compile(r"^epoch\s+(\d+)\s+loss (\d+\.\d+)\s+train acc (\d\.\d+)\s+test acc (\d\.\d+)\s+\(first (\d+) images\)$")
FINAL = re.compile(r"^final: test acc (\d\.\d+) on all (\d+) test images; (\d+) steps in (\d+\.\d+) s "
                   r"with evaluation \((\d+\.\d+) steps/s in the (\d+\.\d+) s of training\)$")


def test_help_shows_every_flag_and_the_books_defaults(capsys):
    with pytest.raises(SystemExit):
        train_convnet.main(["--help"])
    out = capsys.readouterr().out
    for flag in ("--dataset", "--data-dir", "--epochs", "--optimizer", "--lr", "--batch-size", "--dtype",
                 "--max-train", "--plot", "--save", "--seed"):
        assert flag in out
    args = train_convnet.parse_args([])
    assert (args.epochs, args.optimizer, args.lr, args.batch_size) == (20, "adam", 0.001, 100)


def test_train_convnet_prints_each_epoch_and_a_summary_and_saves(data_dir, tmp_path, capsys):
    save = tmp_path / "convnet.npz"
    result = train_convnet.main(["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--epochs", "3",
                                 "--batch-size", "10", "--max-train", "30", "--eval-samples", "8",
                                 "--dtype", "float64", "--quiet", "--save", str(save)])
    lines = capsys.readouterr().out.splitlines()
    assert "30 training and 20 test images" in lines[0] and "3 epochs of 3 steps" in lines[0]
    epochs = [EPOCH.match(line).groups() for line in lines if line.startswith("epoch")]
    assert [int(e[0]) for e in epochs] == [1, 2, 3] and all(e[4] == "8" for e in epochs)
    final = [FINAL.match(line) for line in lines if line.startswith("final:")]
    assert final and final[0] and final[0].group(2) == "20" and final[0].group(3) == "9"
    assert result["steps"] == 9 and 0 <= result["test_acc"] <= 1
    net = nn.SimpleConvNet(dtype=np.float64)
    net.load_params(save)
    assert net.accuracy(*_test_set(data_dir)) == result["test_acc"]


def test_train_convnet_plot_writes_a_png(data_dir, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "curves.png"
    train_convnet.main(["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--epochs", "1",
                        "--batch-size", "10", "--max-train", "20", "--quiet", "--plot", str(plot)])
    assert plot.read_bytes()[:4] == b"\x89PNG"


def _test_set(data_dir):
    (_, _), (x, t) = D.load_fashion_mnist(flatten=False, root=data_dir, dtype=np.float64)
    return x, t


def test_a_folder_with_only_the_test_files_is_split_and_says_so(tmp_path, capsys, monkeypatch):
    write_dataset(tmp_path / "full", 5, 50, seed=2)
    only = tmp_path / "t10k"
    only.mkdir()
    for name in (D.TEST_IMAGES, D.TEST_LABELS):
        (only / name).write_bytes((tmp_path / "full" / name).read_bytes())
    monkeypatch.setattr(D, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    train_convnet.main(["--data-dir", str(only), "--epochs", "1", "--batch-size", "20", "--quiet"])
    out = capsys.readouterr().out
    assert "only the t10k files: split 40 train / 10 test" in out and "40 training and 10 test images" in out


def test_output_paths_are_checked_before_training(data_dir, tmp_path):
    with pytest.raises(SystemExit, match="no-such-folder"):
        train_convnet.main(["--data-dir", str(data_dir), "--dataset", "fashion-mnist",
                            "--save", str(tmp_path / "no-such-folder" / "x.npz")])


def test_missing_data_names_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "MIRRORS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setattr(D, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    (tmp_path / "empty").mkdir()
    with pytest.raises(D.DatasetError, match="empty"):
        train_convnet.main(["--data-dir", str(tmp_path / "empty"), "--epochs", "1", "--quiet"])


def test_python_m_train_convnet(data_dir, tmp_path):
    out = subprocess.run([sys.executable, "-m", "demos.train_convnet", "--dataset", "fashion-mnist", "--data-dir",
                          str(data_dir / "fashion-mnist"), "--epochs", "1", "--batch-size", "20", "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "c"), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "final: test acc" in out.stdout


def test_chapter6_runs_every_comparison_and_draws_them(data_dir, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "plots"
    args = chapter6.parse_args(["--iters", "3", "--bn-epochs", "1", "--overfit-epochs", "2"])
    (x, t), (x_test, t_test), _ = train_convnet.load_images("fashion-mnist", str(data_dir), np.dtype(np.float64))
    x, x_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    opt = chapter6.compare_optimizers(x, t, args)
    assert set(opt["final"]) == {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"}
    bn = chapter6.compare_batch_norm(x, t, args)
    assert set(bn["panels"]) == {"W std 1", "W std 0.1", "W std 0.01", "W std 0.001"}
    assert all(len(c["batch norm"]) == 2 for c in bn["panels"].values())  # before training, then 1 epoch
    # drawing is slow on a busy machine: main draws one single and one multi-panel figure here
    results = chapter6.main(["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--out-dir", str(out_dir),
                             "--iters", "3", "--overfit-epochs", "2", "--only", "weight_init,overfitting"])
    out = capsys.readouterr().out
    for name in ("weight_init", "overfitting"):
        assert (out_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"{name}: {out_dir / name}.png" in out
    assert set(results["weight_init"]["final"]) == {"std=0.01", "Xavier", "He"}
    assert len(results["overfitting"]["panels"]["dropout 0.2"]["test"]) == 3


def test_chapter6_refuses_an_unknown_comparison():
    with pytest.raises(SystemExit, match="unknown"):
        chapter6.main(["--only", "optimizers,bogus"])
