"""Tests for nn.datasets: the IDX reader, lookup order, verified download, loaders, the folders
a user names, and the MNIST test set bundled with the package.

Tests of the lookup work on tiny IDX files they write themselves; downloads go to an HTTP server
on 127.0.0.1 started here, never to a real mirror.
"""

import gzip
import hashlib
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nn.datasets as D
from demos.cli import DATA_DIR

FILES = D.FILES
WORDINGS = {"root=": D.PYTHON, "--data-dir": DATA_DIR}
DEBIAN_FASHION_DIR = D.SYSTEM_DIRS["fashion-mnist"][0]  # captured before any patching
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "nn" / "data" / "mnist-t10k"
NEEDS_DEBIAN_FASHION = ("needs Debian's Fashion-MNIST in /usr/share/datasets/fashion-mnist "
                        "(apt-get install dataset-fashion-mnist)")


# --- helpers -----------------------------------------------------------------------------

def idx_bytes(array, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx(path, array, magic=None):
    data = idx_bytes(array, magic)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def make_dataset(directory, n_train=3, n_test=2, label=None, seed=0):
    """Write the four standard files with random 28x28 images; ``label`` fixes every label."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for images, labels, n in ((D.TRAIN_IMAGES, D.TRAIN_LABELS, n_train),
                              (D.TEST_IMAGES, D.TEST_LABELS, n_test)):
        arrays[images] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[labels] = (np.full(n, label, np.uint8) if label is not None
                          else rng.integers(0, 10, n, dtype=np.uint8))
    for name, array in arrays.items():
        write_idx(directory / name, array)
    return arrays


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real environment, cache, system directory or mirror leaks into a test."""
    for var in ("AUTOGRAD_DATA", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(D, "MIRRORS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setattr(D, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "xdg" / "autograd"


class Server:
    """HTTP server on 127.0.0.1; routes maps a path to (status, body, mode)."""

    def __init__(self):
        self.routes = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body, mode = routes.get(self.path, (404, b"not found", "full"))
                if mode == "slow":
                    time.sleep(1)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # "truncated" announces the full length but sends half, then hangs up
                self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        # a short poll interval keeps shutdown() at teardown quick
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()

    def serve(self, path, body, status=200, mode="full"):
        self.routes["/" + path] = (status, body, mode)
        return self.base + path


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def listing(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --- read_idx ----------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".gz", ""])
def test_read_idx_images_and_labels(tmp_path, suffix):
    images = np.arange(4 * 28 * 28, dtype=np.uint64).reshape(4, 28, 28).astype(np.uint8)
    labels = np.array([3, 1, 4, 1], np.uint8)
    got_images = D.read_idx(write_idx(tmp_path / f"images{suffix}", images))
    got_labels = D.read_idx(write_idx(tmp_path / f"labels{suffix}", labels))
    assert got_images.dtype == np.uint8 and got_images.shape == (4, 28, 28)
    assert got_labels.dtype == np.uint8 and got_labels.shape == (4,)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    got_images[0, 0, 0] = 7  # an ordinary writable array


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.one_of(st.tuples(st.integers(0, 6)),
                       st.tuples(st.integers(0, 4), st.integers(1, 5), st.integers(1, 5))),
       gz=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_read_idx_round_trip(tmp_path, shape, gz, seed):
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    path = write_idx(tmp_path / ("a.gz" if gz else "a.idx"), array)
    np.testing.assert_array_equal(D.read_idx(path), array)


def raw_file(path, data):
    path.write_bytes(data)
    return path


ONE_IMAGE = np.zeros((1, 28, 28), np.uint8)
BAD_FILES = {
    "bad magic": (lambda p: write_idx(p / "x.gz", ONE_IMAGE, magic=0x12345678),
                  "bad magic number 0x12345678"),
    "not uint8": (lambda p: write_idx(p / "x.gz", ONE_IMAGE, magic=0x00000D03),
                  "not uint8"),
    "dims count": (lambda p: write_idx(p / "x.gz", np.zeros((2, 3), np.uint8)),
                   "gives 2 dimensions, expected 1 (labels) or 3 (images)"),
    "short header": (lambda p: raw_file(p / "x.idx", idx_bytes(ONE_IMAGE)[:10]),
                     "truncated header: expected 16 bytes, got 10"),
    "empty": (lambda p: raw_file(p / "x.idx", b""), "truncated header"),
    "truncated payload": (lambda p: raw_file(p / "x.idx", idx_bytes(ONE_IMAGE)[:16 + 700]),
                          "truncated data: dims (1, 28, 28) need 784 bytes after the header, "
                          "got 700"),
    "trailing bytes": (lambda p: raw_file(p / "x.idx", idx_bytes(ONE_IMAGE) + b"\0"),
                       "trailing data"),
    "truncated gzip": (lambda p: raw_file(p / "x.gz", gzip.compress(idx_bytes(ONE_IMAGE))[:30]),
                       "truncated gzip data"),
    "not gzip": (lambda p: raw_file(p / "x.gz", b"<html>this is not gzip</html>"),
                 "not a gzip file"),
    "corrupt gzip": (lambda p: raw_file(p / "x.gz", gzip.compress(idx_bytes(ONE_IMAGE))[:-8]
                                         + b"\xff" * 8),
                     "corrupt gzip data"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_read_idx_errors_name_the_file_and_the_problem(tmp_path, case):
    make, expected = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(D.DatasetError) as info:
        D.read_idx(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert isinstance(info.value, ValueError)
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(D.DatasetError, match="nope.gz: cannot read file"):
        D.read_idx(tmp_path / "nope.gz")


# --- loaders -----------------------------------------------------------------------------

@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("flatten", [True, False])
@pytest.mark.parametrize("one_hot_label", [True, False])
def test_load_mnist_variants(tmp_path, normalize, flatten, one_hot_label):
    arrays = make_dataset(tmp_path / "data")
    (x_train, t_train), (x_test, t_test) = D.load_mnist(
        normalize=normalize, flatten=flatten, one_hot_label=one_hot_label, root=tmp_path / "data")
    for x, t, images, labels in ((x_train, t_train, D.TRAIN_IMAGES, D.TRAIN_LABELS),
                                 (x_test, t_test, D.TEST_IMAGES, D.TEST_LABELS)):
        n = len(arrays[images])
        assert x.shape == ((n, 784) if flatten else (n, 1, 28, 28))
        if normalize:
            assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
            np.testing.assert_allclose(x.reshape(n, 28, 28) * 255, arrays[images], atol=1e-4)
        else:
            assert x.dtype == np.uint8
            np.testing.assert_array_equal(x.reshape(n, 28, 28), arrays[images])
        if one_hot_label:
            assert t.shape == (n, 10) and t.dtype == np.float32
            assert set(np.unique(t)) <= {0, 1} and (t.sum(axis=1) == 1).all()
            np.testing.assert_array_equal(t.argmax(axis=1), arrays[labels])
        else:
            assert t.shape == (n,) and np.issubdtype(t.dtype, np.integer)
            np.testing.assert_array_equal(t, arrays[labels])


def test_load_dtype_keyword(tmp_path):
    make_dataset(tmp_path)
    (x, t), _ = D.load_mnist(root=tmp_path, dtype=np.float64, one_hot_label=True)
    assert x.dtype == np.float64 and t.dtype == np.float64
    with pytest.raises(ValueError, match="floating"):
        D.load_mnist(root=tmp_path, dtype=np.int32)


def test_load_fashion_mnist_from_root_subfolder(tmp_path):
    arrays = make_dataset(tmp_path / "fashion-mnist", n_train=4, n_test=3)
    (x_train, t_train), (x_test, t_test) = D.load_fashion_mnist(root=tmp_path)
    assert x_train.shape == (4, 784) and x_test.shape == (3, 784)
    np.testing.assert_array_equal(t_test, arrays[D.TEST_LABELS])


def test_load_rejects_inconsistent_files(tmp_path):
    make_dataset(tmp_path)
    write_idx(tmp_path / D.TEST_LABELS, np.zeros(5, np.uint8))
    with pytest.raises(D.DatasetError, match="holds 2 images but .*t10k-labels.* holds 5 labels"):
        D.load_mnist(root=tmp_path)
    write_idx(tmp_path / D.TEST_LABELS, np.array([1, 12], np.uint8))
    with pytest.raises(D.DatasetError, match="t10k-labels-idx1-ubyte.gz: label 12 is outside"):
        D.load_mnist(root=tmp_path)


# --- lookup order ------------------------------------------------------------------------

def first_label(**kwargs):
    (_, t_train), _ = D.load_fashion_mnist(**kwargs)
    return int(t_train[0])


def test_lookup_order(tmp_path, monkeypatch, cache):
    # Each place holds a dataset whose labels all equal its rank in the lookup order.
    make_dataset(tmp_path / "root", label=0)
    make_dataset(tmp_path / "root2" / "fashion-mnist", label=1)
    make_dataset(tmp_path / "env" / "fashion-mnist", label=2)
    make_dataset(cache / "fashion-mnist", label=3)
    make_dataset(tmp_path / "system", label=4)
    monkeypatch.setenv("AUTOGRAD_DATA", str(tmp_path / "env"))
    monkeypatch.setitem(D.SYSTEM_DIRS, "fashion-mnist", [tmp_path / "system"])

    assert first_label(root=tmp_path / "root") == 0
    assert first_label(root=tmp_path / "root2") == 1
    assert first_label() == 2
    monkeypatch.delenv("AUTOGRAD_DATA")
    assert first_label() == 3
    (cache / "fashion-mnist" / D.TRAIN_LABELS).unlink()  # an incomplete cache is passed over
    assert first_label() == 4


def test_system_dir_is_debian_package():
    assert DEBIAN_FASHION_DIR == Path("/usr/share/datasets/fashion-mnist")


# --- download ----------------------------------------------------------------------------

@pytest.mark.parametrize("use_tqdm", [True, False])
def test_download_good_file(tmp_path, server, capsys, monkeypatch, use_tqdm):
    if not use_tqdm:
        monkeypatch.setattr(D, "tqdm", None)
    body = gzip.compress(idx_bytes(np.arange(10, dtype=np.uint8)))
    url = server.serve("labels.gz", body)
    target = tmp_path / "dl" / "labels.gz"
    D.download(url, target, hashlib.sha256(body).hexdigest())
    assert target.read_bytes() == body
    assert listing(target.parent) == ["labels.gz"]
    err = capsys.readouterr().err
    assert "labels.gz" in err and "100%" in err


BAD_DOWNLOADS = {
    "hash mismatch": (200, "full", "SHA-256 mismatch"),
    "truncated": (200, "truncated", "truncated download: expected"),
    "404": (404, "full", "HTTP 404"),
}


@pytest.mark.parametrize("case", BAD_DOWNLOADS)
def test_failed_download_leaves_nothing(tmp_path, server, case):
    status, mode, expected = BAD_DOWNLOADS[case]
    body = gzip.compress(idx_bytes(ONE_IMAGE))
    url = server.serve("images.gz", body, status=status, mode=mode)
    target_dir = tmp_path / "dl"
    target_dir.mkdir()
    with pytest.raises(D.DatasetError) as info:
        D.download(url, target_dir / "images.gz", "0" * 64)
    assert url in str(info.value) and expected in str(info.value)
    assert listing(target_dir) == []


def test_download_rejects_non_idx_data_without_a_known_hash(tmp_path, server):
    url = server.serve("images.gz", b"<html>moved</html>")
    with pytest.raises(D.DatasetError, match="not a valid IDX file.*not a gzip file"):
        D.download(url, tmp_path / "images.gz")
    assert listing(tmp_path) == []


def test_interrupted_download_leaves_nothing(tmp_path, server, monkeypatch):
    class Interrupting:
        def __init__(self, **kwargs):
            pass

        def update(self, n):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(D, "tqdm", Interrupting)
    url = server.serve("images.gz", gzip.compress(idx_bytes(ONE_IMAGE)))
    with pytest.raises(KeyboardInterrupt):
        D.download(url, tmp_path / "images.gz")
    assert listing(tmp_path) == []


def test_download_times_out(tmp_path, server):
    url = server.serve("slow.gz", b"", mode="slow")
    start = time.monotonic()
    with pytest.raises(D.DatasetError, match="timed out"):
        D.download(url, tmp_path / "slow.gz", timeout=0.2)
    assert time.monotonic() - start < 1
    assert listing(tmp_path) == []


def test_load_downloads_into_cache_trying_each_mirror(tmp_path, server, monkeypatch, cache):
    arrays = make_dataset(tmp_path / "published")
    hashes = {}
    for name in FILES:
        body = (tmp_path / "published" / name).read_bytes()
        server.serve("good/" + name, body)
        hashes[name] = (hashlib.sha256(body).hexdigest(),)
    monkeypatch.setitem(D.MIRRORS, "mnist", [server.base + "missing/", server.base + "good/"])
    monkeypatch.setitem(D.SHA256, "mnist", hashes)

    (x_train, t_train), (x_test, t_test) = D.load_mnist(normalize=False)
    assert listing(cache / "mnist") == sorted(FILES)
    for name in FILES:
        assert sha256(cache / "mnist" / name) == hashes[name][0]
    np.testing.assert_array_equal(x_test.reshape(-1, 28, 28), arrays[D.TEST_IMAGES])

    # Served from the cache from now on, with no mirror at all.
    monkeypatch.setitem(D.MIRRORS, "mnist", [])
    (_, t_again), _ = D.load_mnist()
    np.testing.assert_array_equal(t_again, t_train)


def test_offline_error_lists_what_was_tried_and_how_to_fix_it(tmp_path, monkeypatch, cache):
    mirror = closed_port_url()
    monkeypatch.setitem(D.MIRRORS, "fashion-mnist", [mirror])
    monkeypatch.setitem(D.SYSTEM_DIRS, "fashion-mnist", [tmp_path / "system"])
    monkeypatch.setenv("AUTOGRAD_DATA", str(tmp_path / "env"))
    (cache / "fashion-mnist").mkdir(parents=True)
    write_idx(cache / "fashion-mnist" / D.TRAIN_IMAGES, ONE_IMAGE)

    with pytest.raises(D.DatasetError) as info:
        D.load_fashion_mnist()
    message = str(info.value)
    for tried in (f"{cache / 'fashion-mnist'} (cache): missing train-labels-idx1-ubyte.gz",
                  f"{tmp_path / 'env' / 'fashion-mnist'} ($AUTOGRAD_DATA): no such directory",
                  f"{cache / 'fashion-mnist'} (cache)",
                  f"{tmp_path / 'system'} (system)",
                  f"{mirror}train-labels-idx1-ubyte.gz: cannot connect"):  # the first file lacking
        assert tried in message
    for fix in ("pass root=", "set AUTOGRAD_DATA",
                f"copy the four files into {cache / 'fashion-mnist'}",
                "apt-get install dataset-fashion-mnist"):
        assert fix in message
    assert listing(cache / "fashion-mnist") == [D.TRAIN_IMAGES]  # a failed attempt adds nothing


def test_offline_error_without_mirrors_mentions_env_not_set():
    with pytest.raises(D.DatasetError) as info:
        D.load_mnist()
    message = str(info.value)
    assert "$AUTOGRAD_DATA: not set" in message and "no mirror configured" in message
    assert "apt-get" not in message  # that fix is for Fashion-MNIST only
    assert "nn.datasets.load_mnist_bundled()" in message  # MNIST's own way out


def test_load_mnist_keeps_its_meaning_even_beside_a_test_set_only_folder(tmp_path, monkeypatch):
    make_test_set(tmp_path / "env" / "mnist", n=10)
    monkeypatch.setenv("AUTOGRAD_DATA", str(tmp_path / "env"))
    with pytest.raises(D.DatasetError, match="not found and could not be downloaded"):
        D.load_mnist()  # the full set or an error; never the test set in its place




# --- folders the user names: used or refused ---------------------------------------------

def make_test_set(directory, n=10, seed=0):
    """Only the two t10k files, as in a folder holding the MNIST test set alone."""
    arrays = make_dataset(directory, n_train=1, n_test=n, seed=seed)
    (directory / D.TRAIN_IMAGES).unlink()
    (directory / D.TRAIN_LABELS).unlink()
    return arrays


@pytest.mark.parametrize("option", ["root=", "--data-dir"])  # Python's words, the demos'
@pytest.mark.parametrize("case", ["missing", "empty", "other files", "a file", "incomplete"])
def test_a_named_folder_without_the_files_is_refused_naming_it(tmp_path, monkeypatch, cache,
                                                                option, case):
    # Everything else could serve: a refusal is not a fallback in disguise.
    make_dataset(tmp_path / "env" / "mnist", label=2)
    make_dataset(cache / "mnist", label=3)
    monkeypatch.setenv("AUTOGRAD_DATA", str(tmp_path / "env"))
    folder = tmp_path / "named"
    holds = {"missing": "no such folder", "empty": "it is empty",
             "other files": "it holds notes.txt, sub/", "a file": "not a folder",
             "incomplete": "it holds train-images-idx3-ubyte.gz"}[case]
    if case == "empty":
        folder.mkdir()
    elif case == "other files":
        (folder / "sub").mkdir(parents=True)
        (folder / "notes.txt").write_text("x")
    elif case == "a file":
        folder.write_text("x")
    elif case == "incomplete":
        folder.mkdir()
        write_idx(folder / D.TRAIN_IMAGES, ONE_IMAGE)
    named = f"root={folder}" if option == "root=" else f"--data-dir {folder}"
    with pytest.raises(D.DatasetError) as info:
        D.find_dataset("mnist", folder, wording=WORDINGS[option])
    message = str(info.value)
    assert message.startswith(f"{named}: no MNIST files there ({holds})")
    assert "used or refused; nothing else was searched" in message
    assert ("--data-dir" in message) == (option == "--data-dir")  # the user's own words
    assert ("root=" in message) == (option == "root=")
    if case == "incomplete":
        assert f"{folder} ({option}): missing train-labels-idx1-ubyte.gz" in message
    if option == "root=":
        with pytest.raises(D.DatasetError) as info:
            D.load_mnist(root=folder)
        assert str(info.value) == message


def test_a_named_folder_is_used_directly_or_through_its_dataset_subfolder(tmp_path):
    make_dataset(tmp_path / "a", label=4)
    make_dataset(tmp_path / "b" / "fashion-mnist", label=5)
    source = D.find_dataset("mnist", tmp_path / "a", wording=DATA_DIR)
    assert (source.directory, source.where, source.test_only) == (tmp_path / "a", "--data-dir", False)
    assert str(source) == f"MNIST: 3 training and 2 test images from {tmp_path / 'a'} (--data-dir)"
    assert D.find_dataset("fashion-mnist", tmp_path / "b").directory == tmp_path / "b" / "fashion-mnist"
    assert first_label(root=tmp_path / "b") == 5


def test_a_test_set_only_folder_serves_the_demos_split_80_20(tmp_path):
    arrays = make_test_set(tmp_path / "t10k", n=10)
    source = D.find_dataset("mnist", tmp_path / "t10k", wording=DATA_DIR)
    assert source.test_only and (source.n_train, source.n_test) == (8, 2)
    assert str(source) == (f"MNIST: {tmp_path / 't10k'} (--data-dir) holds only the test set (the "
                           "t10k files): training on its first 8 images, testing on the other 2")
    (x_train, t_train), (x_test, t_test) = source.load(normalize=False, flatten=False)
    np.testing.assert_array_equal(x_train[:, 0], arrays[D.TEST_IMAGES][:8])
    np.testing.assert_array_equal(x_test[:, 0], arrays[D.TEST_IMAGES][8:])
    np.testing.assert_array_equal(np.concatenate([t_train, t_test]), arrays[D.TEST_LABELS])
    # load_mnist keeps the book's meaning: the full set, or an error saying what the folder holds
    with pytest.raises(D.DatasetError) as info:
        D.load_mnist(root=tmp_path / "t10k")
    message = str(info.value)
    assert message.startswith(f"root={tmp_path / 't10k'}: {tmp_path / 't10k'} holds only the MNIST test set")
    assert "find_dataset('mnist', root=" in message


def test_a_test_set_only_folder_found_by_the_search_is_used_before_the_bundled_copy(tmp_path, monkeypatch):
    make_test_set(tmp_path / "env" / "mnist", n=5)
    monkeypatch.setenv("AUTOGRAD_DATA", str(tmp_path / "env"))
    source = D.find_dataset("mnist")
    assert (source.directory, source.where, (source.n_train, source.n_test)) == (
        tmp_path / "env" / "mnist", "$AUTOGRAD_DATA", (4, 1))
    first, second = str(source).split("\n")
    assert first.startswith("MNIST not found or downloadable; ")
    assert "holds only the test set" in first and "first 4 images, testing on the other 1" in first
    assert second.startswith("  looked for the full set in: ")


def test_a_folder_holding_the_other_dataset_is_refused(tmp_path):
    arrays = make_dataset(tmp_path / "fashion", n_test=2)
    body = (tmp_path / "fashion" / D.TEST_LABELS).read_bytes()
    fake = {"mnist": dict(D.SHA256["mnist"]), "fashion-mnist": {D.TEST_LABELS: (sha256(tmp_path / "fashion" / D.TEST_LABELS),)}}
    with pytest.MonkeyPatch.context() as m:
        m.setattr(D, "SHA256", fake)
        with pytest.raises(D.DatasetError, match=r"holds Fashion-MNIST, not MNIST.*use --dataset fashion-mnist"):
            D.find_dataset("mnist", tmp_path / "fashion", wording=DATA_DIR)
        with pytest.raises(D.DatasetError, match=r"holds Fashion-MNIST, not MNIST.*use load_fashion_mnist\(\)"):
            D.load_mnist(root=tmp_path / "fashion")
        (_, t), _ = D.load_fashion_mnist(root=tmp_path / "fashion")
    assert len(body) and len(t) == len(arrays[D.TRAIN_LABELS])


def test_too_small_a_test_set_to_split_is_an_error(tmp_path):
    make_test_set(tmp_path, n=1)
    with pytest.raises(D.DatasetError, match="1 test images cannot be split"):
        D.find_dataset("mnist", tmp_path)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        D.find_dataset("cifar")


# --- the bundled MNIST test set ----------------------------------------------------------

def test_nothing_found_falls_back_on_the_bundled_digits_and_says_why():
    source = D.find_dataset("mnist", wording=DATA_DIR)
    assert (source.directory, source.where, source.test_only) == (D.BUNDLED_DIR, "bundled", True)
    first, second = str(source).split("\n")
    assert first == ("MNIST not found or downloadable: training on the bundled 10,000 test digits, "
                     f"8,000 train / 2,000 test (from {D.BUNDLED_DIR})")
    assert second.startswith("  looked for the full set in: $AUTOGRAD_DATA: not set; ")
    assert "(cache): no such directory" in second and "no mirror configured" in second


def test_fashion_mnist_has_no_bundled_fallback():
    with pytest.raises(D.DatasetError, match="fashion-mnist: the dataset files were not found"):
        D.find_dataset("fashion-mnist", wording=DATA_DIR)


def test_the_bundled_files_are_the_real_mnist_test_set():
    assert D.BUNDLED_DIR == BUNDLED
    assert sorted(p.name for p in BUNDLED.iterdir()) == ["README.md", D.TEST_IMAGES, D.TEST_LABELS]
    for name in (D.TEST_IMAGES, D.TEST_LABELS):
        assert sha256(BUNDLED / name) in D.SHA256["mnist"][name]  # the published digests
    images = D.read_idx(BUNDLED / D.TEST_IMAGES)
    labels = D.read_idx(BUNDLED / D.TEST_LABELS)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and np.bincount(labels).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # MNIST's published test counts
    readme = (BUNDLED / "README.md").read_text()
    for credit in ("Yann LeCun", "Corinna Cortes", "Christopher J.C. Burges", "CC BY-SA 3.0"):
        assert credit in readme
    for name in (D.TEST_IMAGES, D.TEST_LABELS):
        assert sha256(BUNDLED / name) in readme


@pytest.mark.parametrize("one_hot_label", [False, True])
def test_load_mnist_bundled_splits_8000_2000(one_hot_label):
    (x_train, t_train), (x_test, t_test) = D.load_mnist_bundled(one_hot_label=one_hot_label)
    images = D.read_idx(BUNDLED / D.TEST_IMAGES).reshape(10000, 784)
    labels = D.read_idx(BUNDLED / D.TEST_LABELS)
    assert x_train.shape == (8000, 784) and x_test.shape == (2000, 784) and x_train.dtype == np.float32
    np.testing.assert_array_equal(np.rint(np.concatenate([x_train, x_test]) * 255), images)
    if one_hot_label:
        t_train, t_test = t_train.argmax(axis=1), t_test.argmax(axis=1)
    np.testing.assert_array_equal(np.concatenate([t_train, t_test]), labels)
    (x, _), _ = D.load_mnist_bundled(normalize=False, flatten=False)
    assert x.shape == (8000, 1, 28, 28) and x.dtype == np.uint8


@pytest.mark.parametrize("name", [D.TEST_IMAGES, D.TEST_LABELS])
def test_a_damaged_bundled_copy_is_refused_by_its_checksum(tmp_path, monkeypatch, name):
    copy = tmp_path / "mnist-t10k"
    shutil.copytree(BUNDLED, copy)
    data = bytearray((copy / name).read_bytes())
    data[-20] ^= 1  # one bit
    (copy / name).write_bytes(bytes(data))
    monkeypatch.setattr(D, "BUNDLED_DIR", copy)
    with pytest.raises(D.DatasetError) as info:
        D.load_mnist_bundled()
    message = str(info.value)
    assert f"{copy / name}: SHA-256 mismatch" in message and "reinstall" in message
    with pytest.raises(D.DatasetError, match="SHA-256 mismatch"):
        D.find_dataset("mnist").load()


def test_read_idx_checks_a_given_sha256(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.arange(5, dtype=np.uint8))
    D.read_idx(path, sha256(path))
    with pytest.raises(D.DatasetError, match=f"{path}: SHA-256 mismatch: got {sha256(path)}, expected 0+"):
        D.read_idx(path, "0" * 64)


# --- packaging: wheels and installs carry the bundled set --------------------------------

def test_package_data_names_every_bundled_file():
    text = (ROOT / "pyproject.toml").read_text()
    globs = text.split("[tool.setuptools.package-data]", 1)[1].split("nn = [", 1)[1].split("]", 1)[0]
    patterns = [g.strip().strip('"') for g in globs.split(",") if g.strip()]
    files = {p.relative_to(ROOT / "nn").as_posix() for p in BUNDLED.iterdir()}
    matched = {f for f in files for pattern in patterns if Path(f).match(pattern)}
    assert matched == files


def test_a_built_wheel_holds_the_bundled_set(tmp_path):
    # pip builds it as `pip install` does: setuptools from the package index, per pyproject.toml
    src = tmp_path / "src"  # a copy: building leaves build/ and *.egg-info behind
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info",
                                                            ".hypothesis", ".pytest_cache", "__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path / "dist"), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for name in (D.TEST_IMAGES, D.TEST_LABELS):
            assert hashlib.sha256(z.read(f"nn/data/mnist-t10k/{name}")).hexdigest() in D.SHA256["mnist"][name]
        assert "nn/data/mnist-t10k/README.md" in names


def test_the_installed_package_finds_its_bundled_set(tmp_path):
    """Run from outside the repository, so `import nn` is the installed package (editable or not)."""
    code = ("import nn.datasets as D; (x, t), (xt, tt) = D.load_mnist_bundled(); "
            "print(D.BUNDLED_DIR, x.shape[0], xt.shape[0])")
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    if "No module named 'nn'" in done.stderr:
        pytest.skip("needs the package installed (pip install -e .), as the README's quick start does")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == ["8000", "2000"]


# --- Debian's Fashion-MNIST, when installed ----------------------------------------------

@pytest.mark.skipif(not DEBIAN_FASHION_DIR.is_dir(), reason=NEEDS_DEBIAN_FASHION)
def test_debian_fashion_mnist_files_match_known_hashes():
    for name in FILES:
        assert sha256(DEBIAN_FASHION_DIR / name) in D.SHA256["fashion-mnist"][name]
    labels = D.read_idx(DEBIAN_FASHION_DIR / D.TEST_LABELS)
    assert labels.shape == (10000,) and labels.max() == 9
