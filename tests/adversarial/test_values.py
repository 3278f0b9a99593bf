"""Return values that lie: ndarray subclasses whose comparisons always succeed, ``__array__``
imitations, object-dtype arrays, a 1e9-element broadcast view, a pickled payload, containers
whose methods lie about their content, cycles, deep nesting and huge flat lists.

Only plain data crosses the sandbox boundary, rebuilt from raw bytes in the grader, so nothing
the student's objects do can run in the grader or fool a comparison; a refused value costs the
checks that received it, and the report says why. The liars that carry the *correct* answer in
their lying method and the wrong one in their data start from the buggy baseline: if any lie
were believed, the score would rise above it.
"""
import pytest

from tests.adversarial.harness import BUGGY_RELU, RELU_CHECKS, Attack, assert_holds, in_relu
from tests.support import Patch

L = "layers.py"
RETURN_FIND = "    return out, cache\n    # END SOLUTION\n\n\ndef relu_backward"


def returns(expr: str, setup: str = "", buggy: bool = False) -> tuple:
    """relu_forward returns ``expr`` (may use out, cache, x) instead of ``(out, cache)``."""
    return in_relu(setup, buggy=buggy) + (
        Patch(L, RETURN_FIND, f"    return {expr}\n    # END SOLUTION\n\n\ndef relu_backward"),)


def refused(name, description, expr, setup="", cause="", buggy=False) -> Attack:
    return Attack(name, description, returns(expr, setup, buggy),
                  baseline=BUGGY_RELU if buggy else (),
                  cause=cause, costs=RELU_CHECKS)


LYING_SUBCLASS = '''    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)
        def __array_function__(self, func, types, args, kwargs):
            return True
        def __array_ufunc__(self, *args, **kwargs):
            return np.zeros(())
        def __float__(self):
            return 0.0
'''

RIGHT_IN_METHODS = '''    right = np.maximum(0, x)
    class LyingTuple(tuple):
        def __getitem__(self, i):
            return (right, x)[i]
        def __iter__(self):
            return iter((right, x))
    class LyingArray(np.ndarray):
        def __array__(self, *a, **k):
            return right
        def tobytes(self, *a, **k):
            return right.tobytes()
        def copy(self, *a, **k):
            return right.copy()
'''

PICKLE = '''    import pickle
    class Payload:
        def __reduce__(self):   # unpickling would create a marker file
            return (open, (os.path.join(@TMP@, "@TOKEN@-unpickled"), "w"))
    blob = pickle.dumps(Payload())
'''

ATTACKS = [
    refused("ndarray_subclass_that_always_compares_equal",
            "out is an ndarray subclass whose ==, ufuncs and array functions always say 'equal'",
            "out.view(Liar), cache", LYING_SUBCLASS, cause=r"subclass \(Liar\)"),
    refused("array_imitation", "out is an object with __array__ and __array_interface__",
            "Fake(), cache",
            "    class Fake:\n"
            "        __array_interface__ = {'shape': (3, 4), 'typestr': '<f8', 'version': 3}\n"
            "        def __array__(self, *a, **k):\n            return np.maximum(0, x)\n",
            cause=r"imitates an array"),
    refused("object_dtype_array", "out is an object-dtype array of Python floats",
            "out.astype(object), cache", cause=r"dtype object"),
    refused("complex_array", "out is a complex array (its real part is right)",
            "out.astype(complex), cache", cause=r"dtype complex128"),
    refused("broadcast_view_of_1e9_elements", "out is a 1e9-element broadcast view of one number",
            "np.broadcast_to(np.float64(0.0), (10**9,)), cache", cause=r"1e9 elements, over the"),
    refused("pickled_payload_bytes", "out is a pickle whose loading would run code",
            "blob, cache", "    import os\n" + PICKLE, cause=r"bytes, not plain data"),
    refused("cyclic_list", "out is a list that contains itself", "loop, cache",
            "    loop = []\n    loop.append(loop)\n", cause=r"nested more than"),
    refused("600k_element_list", "out is a flat list of 600 000 zeros", "[0] * 600_000, cache",
            cause=r"more than 5e5 values"),
    refused("dict_with_object_keys", "out is a dict keyed by a tuple", "{(1, 2): out}, cache",
            cause=r"dict keys must be strings"),
    refused("metaclass_that_exits_when_inspected",
            "out's class answers every attribute lookup with SystemExit",
            "Sly(), cache", "    class Meta(type):\n        def __getattr__(cls, name):\n"
            "            raise SystemExit(0)\n    class Sly(metaclass=Meta):\n        pass\n",
            cause=r"cannot be sent back|not plain data"),
    refused("generator", "out is a generator of rows", "(row for row in out), cache",
            cause=r"a generator, not plain data"),
    Attack("pickled_payload_as_numbers",
           "out is the pickle's bytes as a uint8 array (plain data, never unpickled)",
           returns("np.frombuffer(blob, dtype=np.uint8).copy(), cache", "    import os\n" + PICKLE),
           baseline=(), cause=r"shape", costs=frozenset({"relu_forward.values"})),
    Attack("right_answer_only_in_lying_methods",
           "a tuple subclass and an ndarray subclass whose methods return the right answer while "
           "their data holds the bug", returns("LyingTuple((out.view(LyingArray), x))",
                                              RIGHT_IN_METHODS, buggy=True),
           cause=r"subclass \(LyingArray\)", costs=RELU_CHECKS),
    Attack("numbers_that_lie", "the bug's values as float/int subclasses whose conversions lie",
           returns("[[Lie(v) for v in row] for row in out.reshape(out.shape[0], -1).tolist()], x",
                   "    class Lie(float):\n        def __float__(self):\n            return 0.0\n"
                   "        def __repr__(self):\n            return '0.0'\n", buggy=True),
           costs=RELU_CHECKS),
    Attack("nan_and_inf", "out is full of NaN and inf", returns(
        "np.where(x > 0, np.nan, -np.inf), cache"), baseline=(), cause=r"nan|inf|finite",
           costs=frozenset({"relu_forward.values"})),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    assert_holds(attack, adv, tmp_path)
