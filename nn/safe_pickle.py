"""Read pickles of NumPy arrays (the book's `params.pkl`) without running anything else.

A pickle is a program: loading it calls whatever functions it names (`os.system` as easily as
NumPy's array constructor). `load_arrays` runs a pickle with an unpickler that knows only the
constructors a NumPy array's pickle names; dicts, lists, tuples, strings and numbers need none.
Any other name is refused before it is looked up, so it is never called, and the error says which
name it was. What comes out is checked too: dicts and lists of arrays of numbers, nothing else.
"""
import pickle

import numpy as np

_ARRAY = np.zeros(1)

# The constructors NumPy writes into an array's pickle (protocols 2-5), under the module names of
# NumPy 1 (numpy.core) and NumPy 2 (numpy._core): taken from NumPy's own pickling, never imported by
# a name the file gives.
_RECONSTRUCT = _ARRAY.__reduce__()[0]       # _reconstruct(ndarray, shape, dtype code)
_FROMBUFFER = _ARRAY.__reduce_ex__(5)[0]    # _frombuffer(buffer, dtype, shape, order): protocol 5


def _latin1_bytes(text, encoding="latin1"):
    """What protocols 0-2 write for bytes (an array's data): codecs.encode(text, 'latin1')."""
    if encoding != "latin1" or not isinstance(text, str):
        raise RefusedPickle(f"the pickle encodes bytes as {encoding!r}; only 'latin1' is read")
    return text.encode("latin1")


ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_bytes,
}
for _core in ("numpy.core", "numpy._core"):
    ALLOWED[(_core + ".multiarray", "_reconstruct")] = _RECONSTRUCT
    ALLOWED[(_core + ".numeric", "_frombuffer")] = _FROMBUFFER


class RefusedPickle(pickle.UnpicklingError):
    """The pickle names something other than NumPy's array constructors, or holds something other
    than arrays, dicts and lists."""


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise RefusedPickle(f"the pickle names {module}.{name}; only NumPy arrays, dicts and lists "
                                "are read (nothing it names is run)") from None

    def persistent_load(self, pid):
        raise RefusedPickle("the pickle refers to a persistent object outside itself; only NumPy "
                            "arrays, dicts and lists are read")


def load_arrays(file):
    """The arrays, dicts and lists pickled in `file` (a path or a binary file object)."""
    if isinstance(file, (str, bytes)) or hasattr(file, "__fspath__"):
        with open(file, "rb") as f:
            return load_arrays(f)
    obj = _ArraysOnly(file).load()
    _check(obj, "the pickle")
    return obj


def _check(obj, where):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":  # object arrays hold arbitrary Python objects
            raise RefusedPickle(f"{where} is an array of dtype {obj.dtype}; only arrays of numbers are read")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise RefusedPickle(f"{where} has a key of type {type(key).__name__}; only string keys are read")
            _check(value, f"{where}[{key!r}]")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _check(value, f"{where}[{i}]")
    else:
        raise RefusedPickle(f"{where} holds a value of type {type(obj).__name__}; only NumPy arrays, dicts "
                            "and lists are read")
