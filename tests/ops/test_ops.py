"""The op table, checked as a whole by the property suite its users get (autograd.testing.check_op):
every op in autograd.ops.OPS, with its argument strategy from autograd.testing.ARGUMENTS (shapes,
0-d included, broadcasting, axis/keepdims variants) and the facts on its class (domain, kinks,
distinct, differentiable; testing.TWICE_DIFFERENTIABLE where an op is drawn also where it has
no second derivatives). An op added to the table is picked up here; one without an argument
strategy fails."""
import pytest

from autograd import Function, ops, testing
from autograd.ops import OPS

EXAMPLES = 60


@pytest.mark.parametrize("name", sorted(OPS))
def test_op(name):
    op = OPS[name]
    testing.check_op(op, arguments=testing.op_arguments(op), differentiable=op.differentiable,
                     second_order=testing.TWICE_DIFFERENTIABLE.get(name, True), max_examples=EXAMPLES)


def test_every_op_defined_in_the_table_module_is_in_the_table():
    # an op missing from OPS (Positive was) is never checked by test_op above
    defined = {name for name, c in vars(ops).items()
               if isinstance(c, type) and issubclass(c, Function) and c.__module__ == ops.__name__
               and c is not ops.Op and c is not ops.ToDevice}  # ToDevice: one op on two devices
    assert defined - set(OPS) == set()
