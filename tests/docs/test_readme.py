"""The README's examples run as written and give the values its comments show."""
import re
from pathlib import Path

import numpy as np
from hypothesis import settings

README = (Path(__file__).parents[2] / "README.md").read_text()
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


def test_the_property_test_of_a_custom_op_and_the_ways_to_state_its_inputs():
    env = {}
    exec(_block("from autograd import Function, testing"), env)
    exec(_block("from hypothesis import settings\n\nsettings.register_profile"), env)
    current = settings.get_current_profile_name()
    settings.load_profile("dev")  # the README's own profile: what it says keeps check_op fast
    try:
        env["test_cube"]()
        exec(_block("import autograd.functions as F\n\ntesting.check_op"), env)
    finally:
        settings.load_profile(current)


def test_the_in_place_example():
    env = {}
    exec(_block("# in-place updates change the tensor object itself"), env)
    np.testing.assert_allclose(env["w"].data, [0.8, 1.6])
    np.testing.assert_array_equal(env["w"].grad.data, [2.0, 0.0])
    assert type(env["y"].grad_fn).__name__ == "Add" and abs(env["loss"].item() - 0.37110066594777763) < 1e-12
