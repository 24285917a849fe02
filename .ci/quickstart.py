"""The README's quick-start commands, one per line, exactly as written there.

CI runs what this prints, so the README's commands cannot drift from what CI proves.
    python .ci/quickstart.py [README.md]
"""
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def commands(text):
    """The lines of the first ```bash block under the '## Quick start' heading."""
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    if section is None:
        raise ValueError("README.md has no '## Quick start' section")
    block = re.search(r"^```bash\n(.*?)^```", section.group(1), re.S | re.M)
    if block is None:
        raise ValueError("README.md's quick start has no ```bash block")
    return [line for line in block.group(1).splitlines() if line.strip()]


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else README
    print("\n".join(commands(path.read_text(encoding="utf-8"))))
