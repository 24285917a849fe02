"""docs/porting_the_book.md maps every module of the book's common/ package and its dataset/
loader to names here: every module is in the table and every name in it imports and is callable."""
import importlib
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "porting_the_book.md"
BOOK_MODULES = {"common/functions.py", "common/gradient.py", "common/layers.py", "common/multi_layer_net.py",
                "common/multi_layer_net_extend.py", "common/optimizer.py", "common/trainer.py", "common/util.py",
                "dataset/mnist.py"}


def table():
    """(the book's module, its names cell, the names here) for each row of the module table."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## The book's `common/` and `dataset/`, module by module", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| `")]
    return [(module.strip().strip("`"), book, here) for module, book, here in rows]


def resolve(dotted):
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def test_every_module_of_the_books_common_and_dataset_is_in_the_table():
    assert BOOK_MODULES <= {module for module, _, _ in table()}


@pytest.mark.parametrize("module, book, here", table(), ids=[row[0] for row in table()])
def test_every_name_in_the_table_imports_and_is_callable(module, book, here):
    names = re.findall(r"`((?:nn|autograd)(?:\.\w+)+)`", here)
    assert names, f"no name of ours for {module}"
    for dotted in names:
        assert callable(resolve(dotted)), dotted
    # the book's names are kept, but for its two losses of probabilities (F.cross_entropy takes scores)
    ours = {n.rsplit(".", 1)[1] for n in names}
    missing = set(re.findall(r"`(\w+)`", book)) - ours - {"cross_entropy_error", "softmax_loss"}
    assert not missing, (module, missing)
