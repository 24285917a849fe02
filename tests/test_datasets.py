"""Tests for nn.datasets: the IDX reader, lookup order, verified download and loaders.

Every test works on tiny IDX files it writes itself; downloads go to an HTTP server on
127.0.0.1 started here, never to a real mirror.
"""

import gzip
import hashlib
import http.server
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nn.datasets as D

FILES = D.FILES
DEBIAN_FASHION_DIR = D.SYSTEM_DIRS["fashion-mnist"][0]  # captured before any patching
MNIST_T10K_DIR = Path(__file__).parents[1].parent / "shared" / "data" / "mnist-t10k"


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
    assert first_label(root=tmp_path / "empty") == 2  # a root without the files falls through
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
    (tmp_path / "root").mkdir()
    write_idx(tmp_path / "root" / D.TRAIN_IMAGES, ONE_IMAGE)

    with pytest.raises(D.DatasetError) as info:
        D.load_fashion_mnist(root=tmp_path / "root")
    message = str(info.value)
    for tried in (f"{tmp_path / 'root'} (root=): missing train-labels-idx1-ubyte.gz",
                  str(tmp_path / "root" / "fashion-mnist"),
                  f"{tmp_path / 'env' / 'fashion-mnist'} ($AUTOGRAD_DATA): no such directory",
                  f"{cache / 'fashion-mnist'} (cache)",
                  f"{tmp_path / 'system'} (system)",
                  f"{mirror}train-images-idx3-ubyte.gz: cannot connect"):
        assert tried in message
    for fix in ("pass root=", "set AUTOGRAD_DATA",
                f"copy the four files into {cache / 'fashion-mnist'}",
                "apt-get install dataset-fashion-mnist"):
        assert fix in message
    assert listing(cache) == []  # a failed attempt creates nothing


def test_offline_error_without_mirrors_mentions_env_not_set():
    with pytest.raises(D.DatasetError) as info:
        D.load_mnist()
    message = str(info.value)
    assert "$AUTOGRAD_DATA: not set" in message and "no mirror configured" in message
    assert "apt-get" not in message  # that fix is for Fashion-MNIST only


# --- real data, when present -------------------------------------------------------------

@pytest.mark.skipif(not MNIST_T10K_DIR.is_dir(), reason=f"{MNIST_T10K_DIR} not present")
def test_real_mnist_test_set():
    images = D.read_idx(MNIST_T10K_DIR / D.TEST_IMAGES)
    labels = D.read_idx(MNIST_T10K_DIR / D.TEST_LABELS)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    for name in (D.TEST_IMAGES, D.TEST_LABELS):
        assert sha256(MNIST_T10K_DIR / name) in D.SHA256["mnist"][name]


@pytest.mark.skipif(not DEBIAN_FASHION_DIR.is_dir(), reason="dataset-fashion-mnist not installed")
def test_debian_fashion_mnist_files_match_known_hashes():
    for name in FILES:
        assert sha256(DEBIAN_FASHION_DIR / name) in D.SHA256["fashion-mnist"][name]
    labels = D.read_idx(DEBIAN_FASHION_DIR / D.TEST_LABELS)
    assert labels.shape == (10000,) and labels.max() == 9
