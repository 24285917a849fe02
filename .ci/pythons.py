"""The interpreters CI runs the suite on: the oldest and the newest CPython that pyproject.toml's
requires-python covers, one path a line. Fails naming what is missing and how to get it.

The oldest is read from requires-python (">=3.9" gives 3.9); the newest is NEWEST, unless an
upper bound there says less. Each is looked for in pyenv's versions (the newest patch release
installed), then as python3.X on PATH.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

NEWEST = (3, 13)  # the newest CPython release the project is tested on
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def claimed():
    spec = re.search(r'^requires-python\s*=\s*"([^"]*)"', PYPROJECT.read_text(), re.M).group(1)
    low = re.search(r">=\s*3\.(\d+)", spec)
    high = re.search(r"<\s*3\.(\d+)", spec)
    if low is None:
        sys.exit(f"{PYPROJECT}: requires-python {spec!r} names no lowest version (>=3.X)")
    newest = min(NEWEST[1], int(high.group(1)) - 1) if high else NEWEST[1]
    return [(3, int(low.group(1))), (3, newest)]


def pyenv_root():
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    if shutil.which("pyenv"):
        return subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    return None


def find(version):
    major, minor = version
    root = pyenv_root()
    if root:
        found = glob.glob(os.path.join(root, "versions", f"{major}.{minor}.*", "bin", "python"))
        found = [p for p in found if re.fullmatch(r"\d+\.\d+\.\d+", Path(p).parents[1].name)]
        if found:
            return max(found, key=lambda p: int(Path(p).parents[1].name.split(".")[2]))
    return shutil.which(f"python{major}.{minor}")


def main():
    versions = claimed()
    paths = {v: find(v) for v in dict.fromkeys(versions)}
    missing = [f"{a}.{b}" for (a, b), p in paths.items() if p is None]
    if missing:
        sys.exit(f"CI runs the suite on CPython {' and '.join('%d.%d' % v for v in paths)} (the oldest "
                 f"and newest that requires-python covers), but found no {' or '.join(missing)}: "
                 f"looked in {pyenv_root() or 'pyenv (not installed)'}/versions and for "
                 f"{', '.join('python' + m for m in missing)} on PATH. Install them, e.g. "
                 f"`pyenv install {' '.join(missing)}` "
                 "or your system's packages.")
    print("\n".join(paths.values()))


if __name__ == "__main__":
    main()
