"""The README's examples run as written and give the values its comments show."""
import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def _block(starting):
    return next(b for b in BLOCKS if b.startswith(starting))


def test_the_five_minute_example():
    env = {}
    exec(_block("import numpy as np\nfrom autograd import Tensor"), env)
    assert env["price"].item() == 715.0000000000001
    assert (env["apple"].grad.item(), env["n_apple"].grad.item()) == (2.2, 110.00000000000001)
    assert (env["tax"].grad.item(), env["all_price"].grad.item()) == (650.0, 1.1)
    assert (env["W"].grad.shape, env["b"].grad.shape) == ((3, 4), (4,))


def test_the_property_test_of_a_custom_op():
    env = {}
    exec(_block("from hypothesis import given"), env)
    env["test_cube"]()
