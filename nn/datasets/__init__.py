"""MNIST and Fashion-MNIST: an IDX reader, local lookup, a verified download, and the MNIST
test set that ships inside the package.

``load_mnist`` / ``load_fashion_mnist`` return the full sets, as the textbook's ``load_mnist``
does. A folder given as ``root=`` is the only place they look (the files directly in it or in
``root/<name>/``): it is used or refused, never passed over. Without ``root=`` they look in
``$AUTOGRAD_DATA/<name>/``, the user cache (``$XDG_CACHE_HOME/autograd/<name>`` or
``~/.cache/autograd/<name>``) and system directories (Debian's ``dataset-fashion-mnist``), and
failing that download the missing files into the cache, checking each against a known SHA-256
and writing it atomically.

``load_mnist_bundled`` needs none of that: the 10,000 digits of the real MNIST test set ship in
``nn/data/mnist-t10k/`` (SHA-256 checked when read), split 8,000 for training / 2,000 for testing.
``find_dataset`` is what the demos use: the full set where it is found, else a folder holding
only the test set (split the same way), else for MNIST the bundled copy, and it says which.
"""

import gzip
import hashlib
import http.client
import math
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

try:
    from tqdm import tqdm
except ImportError:  # tqdm is optional; a plain progress line is used instead
    tqdm = None


class DatasetError(ValueError):
    """A data file is missing, malformed or failed to download."""


IMAGES_MAGIC = 0x00000803  # uint8, 3 dims
LABELS_MAGIC = 0x00000801  # uint8, 1 dim
UINT8_TYPE_CODE = 0x08

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# Base URLs per dataset, tried in order; a file's URL is base + file name.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

# Accepted SHA-256 digests of each .gz file. Fashion-MNIST lists two per file: the upstream
# files, and Debian's repacked ones (same IDX content, different gzip headers). A file with
# no entry here is only checked for a well-formed IDX payload.
SHA256 = {
    "mnist": {
        TRAIN_IMAGES: ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",),
        TRAIN_LABELS: ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",),
        TEST_IMAGES: ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",),
        TEST_LABELS: ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",),
    },
    "fashion-mnist": {
        TRAIN_IMAGES: ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                       "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        TRAIN_LABELS: ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                       "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        TEST_IMAGES: ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                      "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        TEST_LABELS: ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                      "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
    },
}

# Directories a system package installs the files into.
SYSTEM_DIRS = {
    "mnist": [],
    "fashion-mnist": [Path("/usr/share/datasets/fashion-mnist")],
}

TIMEOUT = 30  # seconds per network operation, so an unreachable mirror cannot hang a load
_CHUNK = 1 << 16


# --- IDX reading ---

def read_idx(path, sha256=()):
    """Read an IDX file of uint8 data (gzip-compressed when its name ends in .gz). When
    ``sha256`` holds digests, the file's own SHA-256 must be one of them."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read file: {e.strerror or e}") from None
    if sha256:
        _check_sha256(raw, sha256, path)
    if path.suffix == ".gz":
        if raw[:2] != b"\x1f\x8b":
            raise DatasetError(f"{path}: not a gzip file (no gzip signature 1f 8b at the start)")
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise DatasetError(f"{path}: truncated gzip data (stream ends early)") from None
        except (gzip.BadGzipFile, zlib.error) as e:
            raise DatasetError(f"{path}: corrupt gzip data ({e})") from None
    return _parse_idx(raw, path)


def _parse_idx(raw, path):
    if len(raw) < 4:
        raise DatasetError(f"{path}: truncated header: expected at least 4 bytes, got {len(raw)}")
    magic = int.from_bytes(raw[:4], "big")
    if magic >> 16 != 0:
        raise DatasetError(f"{path}: bad magic number 0x{magic:08x}, expected 0x{IMAGES_MAGIC:08x} "
                           f"(images) or 0x{LABELS_MAGIC:08x} (labels)")
    type_code, ndim = magic >> 8, magic & 0xFF
    if type_code != UINT8_TYPE_CODE:
        raise DatasetError(f"{path}: bad magic number 0x{magic:08x}: data type 0x{type_code:02x} "
                           f"is not uint8 (0x{UINT8_TYPE_CODE:02x})")
    if ndim not in (1, 3):
        raise DatasetError(f"{path}: magic number 0x{magic:08x} gives {ndim} dimensions, "
                           f"expected 1 (labels) or 3 (images)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated header: expected {header} bytes, got {len(raw)}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims)  # exact: np.prod wraps around in int64 for dims from a corrupt header
    got = len(raw) - header
    if got != expected:
        what = "truncated data" if got < expected else "trailing data"
        raise DatasetError(f"{path}: {what}: dims {dims} need {expected} bytes after the "
                           f"header, got {got}")
    try:
        # copy() so callers get an ordinary writable array, not a view of immutable bytes
        return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()
    except ValueError:  # an empty file whose other dims (0, 2**31, 2**31) numpy cannot even describe
        raise DatasetError(f"{path}: dims {dims} are too large for an array") from None


def _check_sha256(data, expected, where):
    """data: bytes or a hashlib object already fed with them; expected: a digest or several."""
    if isinstance(expected, str):
        expected = (expected,)
    got = (data if hasattr(data, "hexdigest") else hashlib.sha256(data)).hexdigest()
    if got not in expected:
        raise DatasetError(f"{where}: SHA-256 mismatch: got {got}, expected {' or '.join(expected)}")


# --- download ---

def download(url, path, sha256=(), timeout=TIMEOUT):
    """Download url to path atomically, checking the SHA-256 (one of ``sha256`` when given)
    and the IDX payload. Every failure is a DatasetError naming the URL; on any failure,
    interruption included, nothing is left at or beside path."""
    try:
        _fetch(url, Path(path), sha256, timeout)
    except urllib.error.HTTPError as e:
        raise DatasetError(f"{url}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise DatasetError(f"{url}: cannot connect: {e.reason}") from None
    except (OSError, http.client.HTTPException) as e:
        raise DatasetError(f"{url}: {type(e).__name__}: {e}") from None


def _fetch(url, path, sha256, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        # Created only once the server answers, so an offline attempt leaves no directories.
        # The temp file sits beside the target so os.replace is a same-filesystem rename;
        # its .gz suffix lets read_idx check it like the final file.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part.gz", dir=path.parent)
        try:
            total = response.headers.get("Content-Length")
            total = int(total) if total else None
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                bar = _progress(total, path.name)
                try:
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        bar.update(len(chunk))
                finally:
                    bar.close()
            # urllib returns a short body without complaint when the connection drops early
            if total is not None and size != total:
                raise DatasetError(f"{url}: truncated download: expected {total} bytes, got {size}")
            if sha256:
                _check_sha256(digest, sha256, url)
            try:
                read_idx(tmp)
            except DatasetError as e:
                raise DatasetError(f"{url}: downloaded data is not a valid IDX file: {e}") from None
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class _PlainProgress:
    """Progress line on stderr for when tqdm is not installed."""

    def __init__(self, total, name):
        self.total, self.name, self.done, self.shown = total, name, 0, None

    def update(self, n):
        self.done += n
        if self.total:
            step = f"{100 * self.done // self.total}%"
        else:
            step = f"{self.done >> 20} MiB"
        if step != self.shown:  # redraw only when the text changes
            self.shown = step
            sys.stderr.write(f"\rdownloading {self.name}: {step}")
            sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


def _progress(total, name):
    if tqdm is not None:
        return tqdm(total=total, desc=name, unit="B", unit_scale=True, file=sys.stderr)
    return _PlainProgress(total, name)


# --- lookup ---

TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
TEST_FILES = (TEST_IMAGES, TEST_LABELS)
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "mnist-t10k"  # nn/data


def cache_dir():
    """The user cache for downloaded datasets."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "autograd"


class Wording:
    """How messages name what the user types: here Python's (``root=DIR``, ``load_fashion_mnist()``).
    A front end with other words (a command line) passes an instance of a subclass that says them
    its way; ``option`` is also the ``where`` of a folder the user named."""
    option = "root="
    splitter = "find_dataset()"  # what splits a folder of test files only
    fallback = "; nn.datasets.load_mnist_bundled() needs no files at all."  # after "Leave out root="

    def pass_folder(self, folder="DIR"):
        return f"{self.option}{folder}"

    def use_dataset(self, name):
        return f"load_{name.replace('-', '_')}()"


PYTHON = Wording()


class DataSource:
    """Where a run's data comes from: the folder, how it was found, and what it holds.

    ``where`` is how the folder was found: the option that named it (``wording.option``: ``root=``),
    ``$AUTOGRAD_DATA``, ``cache``, ``system``, ``downloaded`` or ``bundled``. A ``test_only``
    folder holds just the two t10k files; ``load()`` then trains on its first 80% (8,000 of
    MNIST's 10,000) and tests on the rest. ``tried`` lists (place, reason) pairs passed over on
    the way. ``str(source)`` is the line a run starts with.
    """

    def __init__(self, name, directory, where, test_only=False, tried=(), wording=PYTHON):
        self.name, self.directory, self.where = name, Path(directory), where
        self.test_only, self.tried, self.wording = test_only, list(tried), wording
        self._sha256 = SHA256[name] if where == "bundled" else {}
        _check_identity(name, self.directory, where, wording)
        if test_only:
            n = len(self._read(TEST_LABELS))
            if n < 2:
                raise DatasetError(f"{self.directory / TEST_LABELS}: {n} test images cannot be "
                                   "split into a training and a test part")
            self.n_train, self.n_test = n * 4 // 5, n - n * 4 // 5
        else:
            self.n_train, self.n_test = len(self._read(TRAIN_LABELS)), len(self._read(TEST_LABELS))

    def __repr__(self):
        return f"DataSource({self.name!r}, {str(self.directory)!r}, {self.where!r}, test_only={self.test_only})"

    def __str__(self):
        title, n = TITLES[self.name], self.n_train + self.n_test
        if not self.test_only:
            line = (f"{title}: {self.n_train:,} training and {self.n_test:,} test images "
                    f"from {self.directory} ({self.where})")
        elif self.where == "bundled":
            line = (f"{title} not found or downloadable: training on the bundled {n:,} test digits, "
                    f"{self.n_train:,} train / {self.n_test:,} test (from {self.directory})")
        else:
            line = (f"{title}: {self.directory} ({self.where}) holds only the test set (the t10k "
                    f"files): training on its first {self.n_train:,} images, testing on the "
                    f"other {self.n_test:,}")
            if self.where != self.wording.option:  # found, not named
                line = f"{title} not found or downloadable; " + line[len(title) + 2:]
        if self.tried and self.test_only:
            line += "\n  looked for the full set in: " + _brief(self.tried)
        return line

    def load(self, normalize=True, flatten=True, one_hot_label=False, dtype=np.float32):
        """``(x_train, t_train), (x_test, t_test)`` with ``load_mnist``'s arguments and meaning."""
        if not np.issubdtype(dtype, np.floating):
            raise ValueError(f"dtype must be a floating type, got {np.dtype(dtype)}")
        if self.test_only:
            x, t = self._pair(TEST_IMAGES, TEST_LABELS)
            k = self.n_train
            splits = ((x[:k], t[:k]), (x[k:], t[k:]))
        else:
            splits = (self._pair(TRAIN_IMAGES, TRAIN_LABELS), self._pair(TEST_IMAGES, TEST_LABELS))
        return tuple(_prepare(x, t, normalize, flatten, one_hot_label, dtype) for x, t in splits)

    def _read(self, file):
        try:
            return read_idx(self.directory / file, self._sha256.get(file, ()))
        except DatasetError as e:
            if self.where != "bundled":
                raise
            raise DatasetError(f"{e}\nThe copy of the MNIST test set inside the package is damaged: "
                               "reinstall it (pip install --force-reinstall textbook-autograd, or "
                               "git checkout nn/data in a clone).") from None

    def _pair(self, images_file, labels_file):
        x, t = self._read(images_file), self._read(labels_file)
        _check_pair(x, t, self.directory / images_file, self.directory / labels_file)
        return x, t


def find_dataset(name="mnist", root=None, wording=PYTHON):
    """The DataSource a run should use for dataset ``name``.

    With ``root``: the full set in it (or in ``root/<name>/``), else its test set alone, else a
    DatasetError naming it. Without: the full set where the lookup finds or downloads it, else
    a test-set-only folder in those places, else for MNIST the bundled test digits. ``wording``
    says how the caller's user names the folder and the dataset, for messages (a ``Wording``).
    """
    return _locate(name, root, wording, partial=True)


def _places(name, root, wording):
    """(directory, label) pairs in lookup order; directory is None when the place is unset."""
    if root is not None:  # a folder the user names is the only place looked at
        return [(Path(root), wording.option), (Path(root) / name, wording.option)]
    env = os.environ.get("AUTOGRAD_DATA")
    places = [(Path(env) / name if env else None, "$AUTOGRAD_DATA"), (cache_dir() / name, "cache")]
    return places + [(Path(d), "system") for d in SYSTEM_DIRS[name]]


def _holds(directory, files):
    return directory is not None and all((directory / f).is_file() for f in files)


def _locate(name, root, wording, partial):
    if name not in TITLES:
        raise ValueError(f"unknown dataset {name!r}: expected one of {', '.join(TITLES)}")
    places = _places(name, root, wording)
    tried = []
    for directory, label in places:
        if _holds(directory, FILES):
            return DataSource(name, directory, label, wording=wording)
        tried.append(_why_not(directory, label))
    test_only = [(d, label) for d, label in places if _holds(d, TEST_FILES)]
    if root is not None:
        if partial and test_only:
            return DataSource(name, *test_only[0], test_only=True, wording=wording)
        raise DatasetError(_refusal(name, Path(root), wording, tried, test_only))
    try:
        _download(name, tried)
        return DataSource(name, cache_dir() / name, "downloaded", wording=wording)
    except DatasetError:
        if not partial:
            raise DatasetError(_not_found_message(name, tried, wording)) from None
    if test_only:
        return DataSource(name, *test_only[0], test_only=True, tried=tried, wording=wording)
    if name == "mnist":
        return DataSource(name, BUNDLED_DIR, "bundled", test_only=True, tried=tried, wording=wording)
    raise DatasetError(_not_found_message(name, tried, wording))


def _why_not(directory, label):
    if directory is None:
        return label, "not set"
    place = f"{directory} ({label})"
    if not directory.is_dir():
        return place, "no such directory"
    return place, "missing " + ", ".join(f for f in FILES if not (directory / f).is_file())


def _check_identity(name, directory, where, wording):
    """Refuse a folder whose test labels are, by SHA-256, another dataset's."""
    try:
        digest = hashlib.sha256((directory / TEST_LABELS).read_bytes()).hexdigest()
    except OSError:  # reading it for real names the file and the reason
        return
    for other, hashes in SHA256.items():
        if other != name and digest in hashes.get(TEST_LABELS, ()):
            raise DatasetError(f"{directory} ({where}) holds {TITLES[other]}, not {TITLES[name]}: "
                               f"its {TEST_LABELS} is {TITLES[other]}'s (by SHA-256); for "
                               f"{TITLES[other]} use {wording.use_dataset(other)}")


def _download(name, tried):
    """Fill the cache with the files it lacks; failures are added to ``tried`` and raised."""
    cache = cache_dir() / name
    for f in FILES:
        if (cache / f).is_file():
            continue
        failures = []
        for base in MIRRORS[name]:
            url = base + f
            try:
                download(url, cache / f, SHA256[name].get(f, ()))
                break
            except DatasetError as e:
                failures.append((url, str(e).replace(f"{url}: ", "", 1)))
        else:
            tried += failures or [(f"download of {f}", "no mirror configured")]
            raise DatasetError(f"{name}: download of {f} failed")


def _refusal(name, root, wording, tried, test_only):
    title = TITLES[name]
    if test_only:
        directory = test_only[0][0]
        lines = [f"{wording.pass_folder(root)}: {directory} holds only the {title} test set "
                 f"({', '.join(TEST_FILES)}); the full set also needs {TRAIN_IMAGES} and "
                 f"{TRAIN_LABELS}.",
                 f"To train on that test set split 8,000 / 2,000 (80% / 20%), use "
                 f"nn.datasets.find_dataset({name!r}, root={str(root)!r}).load()."]
        return "\n".join(lines)
    if not root.is_dir():
        holds = "no such folder" if not root.exists() else "not a folder"
    else:
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in root.iterdir())
        shown = ", ".join(entries[:8]) + (", ..." if len(entries) > 8 else "")
        holds = f"it holds {shown}" if entries else "it is empty"
    lines = [f"{wording.pass_folder(root)}: no {title} files there ({holds}). A folder you name "
             "is used or refused; nothing else was searched."]
    if root.is_dir():
        lines += [f"  - {place}: {reason}" for place, reason in tried]
    lines += [f"It needs {', '.join(FILES)} (or just the two t10k files, which {wording.splitter} "
              f"split 8,000 / 2,000), directly in it or in {root / name}.",
              f"Leave out {wording.option} to search $AUTOGRAD_DATA, the cache and the download mirrors"
              + ("." if name != "mnist" else wording.fallback)]
    return "\n".join(lines)


def _not_found_message(name, tried, wording):
    cache = cache_dir() / name
    lines = [f"{name}: the dataset files were not found and could not be downloaded.",
             "Tried:"]
    lines += [f"  - {place}: {reason}" for place, reason in tried]
    lines += ["To fix it, do one of:",
              f"  - pass {wording.pass_folder()}, a folder holding {', '.join(FILES)} "
              f"(directly or in DIR/{name}/)",
              f"  - set AUTOGRAD_DATA=DIR with the four files in DIR/{name}/",
              f"  - copy the four files into {cache}",
              "  - connect to the internet so they can be downloaded into that cache"]
    if name == "fashion-mnist":
        lines.append("  - apt-get install dataset-fashion-mnist "
                     "(installs them in /usr/share/datasets/fashion-mnist)")
    else:
        lines.append("  - or use the 10,000 MNIST test digits inside this package, split 8,000 / "
                     "2,000: nn.datasets.load_mnist_bundled()")
    return "\n".join(lines)


def _brief(tried):
    """The places tried, on one line, the mirrors summed up."""
    failures = [reason for place, reason in tried if "://" in place]
    parts = [f"{place}: {reason}" for place, reason in tried if "://" not in place]
    if failures:
        parts.append(f"{len(failures)} download mirror{'s' * (len(failures) > 1)}: {failures[0]}")
    return "; ".join(parts)


# --- loading ---

def load_mnist(normalize=True, flatten=True, one_hot_label=False, root=None, dtype=np.float32):
    """MNIST digits as ``(x_train, t_train), (x_test, t_test)``: the full 60,000 / 10,000.

    normalize: images as ``dtype`` in [0, 1], else uint8 in 0..255.
    flatten: images as (N, 784), else (N, 1, 28, 28).
    one_hot_label: labels as (N, 10) one-hot rows of ``dtype``, else int64 class numbers.
    root: a folder holding the four files (directly or in ``root/mnist/``); the only place looked.
    """
    return _locate("mnist", root, PYTHON, partial=False).load(normalize, flatten, one_hot_label, dtype)


def load_fashion_mnist(normalize=True, flatten=True, one_hot_label=False, root=None,
                       dtype=np.float32):
    """Fashion-MNIST, with the same arguments and return value as ``load_mnist``."""
    return _locate("fashion-mnist", root, PYTHON, partial=False).load(normalize, flatten,
                                                                         one_hot_label, dtype)


def load_mnist_bundled(normalize=True, flatten=True, one_hot_label=False, dtype=np.float32):
    """The real MNIST test set that ships with the package (10,000 digits, SHA-256 checked), as
    ``(x_train, t_train), (x_test, t_test)``: its first 8,000 digits and the other 2,000. Needs no
    network and no files. Arguments as ``load_mnist``."""
    return DataSource("mnist", BUNDLED_DIR, "bundled", test_only=True).load(
        normalize, flatten, one_hot_label, dtype)


def _prepare(x, t, normalize, flatten, one_hot_label, dtype):
    if normalize:
        x = x.astype(dtype)
        x /= 255
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *x.shape[1:])
    t = np.eye(10, dtype=dtype)[t] if one_hot_label else t.astype(np.int64)
    return x, t


def _check_pair(images, labels, images_path, labels_path):
    if images.ndim != 3:
        raise DatasetError(f"{images_path}: expected images (3 dims), found {images.ndim} dims")
    if labels.ndim != 1:
        raise DatasetError(f"{labels_path}: expected labels (1 dim), found {labels.ndim} dims")
    if len(images) != len(labels):
        raise DatasetError(f"{images_path} holds {len(images)} images but {labels_path} "
                           f"holds {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise DatasetError(f"{labels_path}: label {labels.max()} is outside 0..9")
