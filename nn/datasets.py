"""MNIST and Fashion-MNIST: an IDX reader, local lookup and a verified download.

``load_mnist`` / ``load_fashion_mnist`` look for the four standard files in, in turn:
``root=`` (directly or in ``root/<name>/``), ``$AUTOGRAD_DATA/<name>/``, the user cache
(``$XDG_CACHE_HOME/autograd/<name>`` or ``~/.cache/autograd/<name>``) and system directories
(Debian's ``dataset-fashion-mnist``). Failing that they download the missing files into the
cache, checking each against a known SHA-256 and writing it atomically.
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

def read_idx(path):
    """Read an IDX file of uint8 data (gzip-compressed when its name ends in .gz)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read file: {e.strerror or e}") from None
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


# --- download ---

def download(url, path, sha256=(), timeout=TIMEOUT):
    """Download url to path atomically, checking the SHA-256 (one of ``sha256`` when given)
    and the IDX payload. Every failure is a DatasetError naming the URL; on any failure,
    interruption included, nothing is left at or beside path."""
    if isinstance(sha256, str):
        sha256 = (sha256,)
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
            if sha256 and digest.hexdigest() not in sha256:
                raise DatasetError(f"{url}: SHA-256 mismatch: got {digest.hexdigest()}, "
                                   f"expected {' or '.join(sha256)}")
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

def cache_dir():
    """The user cache for downloaded datasets."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "autograd"


def _candidate_dirs(name, root):
    """(directory, label) pairs in lookup order; directory is None when the place is unset."""
    dirs = []
    if root is not None:
        dirs += [(Path(root), "root="), (Path(root) / name, "root=")]
    env = os.environ.get("AUTOGRAD_DATA")
    dirs.append((Path(env) / name if env else None, "$AUTOGRAD_DATA"))
    dirs.append((cache_dir() / name, "cache"))
    dirs += [(Path(d), "system") for d in SYSTEM_DIRS[name]]
    return dirs


def find_files(name, root=None):
    """Paths of the four files for dataset ``name``, downloading what the cache lacks."""
    tried = []
    for directory, label in _candidate_dirs(name, root):
        if directory is None:
            tried.append(f"{label}: not set")
            continue
        missing = [f for f in FILES if not (directory / f).is_file()]
        if not missing:
            return {f: directory / f for f in FILES}
        reason = "no such directory" if not directory.is_dir() else "missing " + ", ".join(missing)
        tried.append(f"{directory} ({label}): {reason}")

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
                failures.append(str(e))
        else:
            tried += failures or [f"download of {f}: no mirror configured"]
            raise DatasetError(_not_found_message(name, cache, tried))
    return {f: cache / f for f in FILES}


def _not_found_message(name, cache, tried):
    lines = [f"{name}: the dataset files were not found and could not be downloaded.",
             "Tried:"]
    lines += [f"  - {t}" for t in tried]
    lines += ["To fix it, do one of:",
              f"  - pass root=DIR, a directory holding {', '.join(FILES)} "
              f"(directly or in DIR/{name}/)",
              f"  - set AUTOGRAD_DATA=DIR with the four files in DIR/{name}/",
              f"  - copy the four files into {cache}",
              "  - connect to the internet so they can be downloaded into that cache"]
    if name == "fashion-mnist":
        lines.append("  - apt-get install dataset-fashion-mnist "
                     "(installs them in /usr/share/datasets/fashion-mnist)")
    return "\n".join(lines)


# --- loading ---

def load_mnist(normalize=True, flatten=True, one_hot_label=False, root=None, dtype=np.float32):
    """MNIST digits as ``(x_train, t_train), (x_test, t_test)``.

    normalize: images as ``dtype`` in [0, 1], else uint8 in 0..255.
    flatten: images as (N, 784), else (N, 1, 28, 28).
    one_hot_label: labels as (N, 10) one-hot rows of ``dtype``, else int64 class numbers.
    """
    return _load("mnist", normalize, flatten, one_hot_label, root, dtype)


def load_fashion_mnist(normalize=True, flatten=True, one_hot_label=False, root=None,
                       dtype=np.float32):
    """Fashion-MNIST, with the same arguments and return value as ``load_mnist``."""
    return _load("fashion-mnist", normalize, flatten, one_hot_label, root, dtype)


def _load(name, normalize, flatten, one_hot_label, root, dtype):
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating type, got {np.dtype(dtype)}")
    paths = find_files(name, root)
    splits = []
    for images_file, labels_file in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        x, t = read_idx(paths[images_file]), read_idx(paths[labels_file])
        _check_pair(x, t, paths[images_file], paths[labels_file])
        if normalize:
            x = x.astype(dtype)
            x /= 255
        x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *x.shape[1:])
        t = np.eye(10, dtype=dtype)[t] if one_hot_label else t.astype(np.int64)
        splits.append((x, t))
    return tuple(splits)


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
