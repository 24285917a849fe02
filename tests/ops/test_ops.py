"""The op table, checked as a whole by the property suite its users get (autograd.testing.check_op):
every op in autograd.ops.OPS with what it declares (autograd.ops.Op): its argument strategy
(shapes, 0-d included, broadcasting, axis/keepdims variants), domain, kinks, distinct,
differentiable and second_order. An op added to the table is picked up here as it is."""
import pytest

import autograd.ops
from autograd import Function, testing
from autograd.ops import OPS

EXAMPLES = 60


@pytest.mark.parametrize("name", sorted(OPS))
def test_op(name):
    testing.check_op(OPS[name], max_examples=EXAMPLES)


def test_every_op_defined_in_the_table_package_is_in_the_table():
    # an op missing from OPS (Positive once was) is never checked by test_op above; ToDevice is
    # left out on purpose (the suite runs each op on one device)
    modules = [m for m in vars(autograd.ops).values() if getattr(m, "__name__", "").startswith("autograd.ops.")]
    defined = {name for m in modules for name, c in vars(m).items()
               if isinstance(c, type) and issubclass(c, Function) and c.__module__ == m.__name__
               and c is not autograd.ops.Op}
    assert len(modules) >= 7 and "Add" in defined
    assert defined - set(OPS) == {"ToDevice"}
