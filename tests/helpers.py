"""What several test files share."""
import numpy as np
import pytest

from autograd import Tensor


def leaf(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


def message(error, fn, *args, **kwargs):
    """The message of the `error` that fn(*args, **kwargs) raises."""
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    return str(info.value)
