"""The op table, checked as a whole by the property suite its users get (autograd.testing.check_op):
every op in autograd.ops.OPS, with its argument strategy from autograd.testing.ARGUMENTS (shapes,
0-d included, broadcasting, axis/keepdims variants) and the facts on its class (domain, kinks,
distinct, differentiable). An op added to the table is picked up here; one without an argument
strategy fails."""
import pytest

from autograd import testing
from autograd.ops import OPS

EXAMPLES = 60


@pytest.mark.parametrize("name", sorted(OPS))
def test_op(name):
    op = OPS[name]
    testing.check_op(op, arguments=testing.op_arguments(op), differentiable=op.differentiable,
                     max_examples=EXAMPLES)
