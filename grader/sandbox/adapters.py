"""Course-profile call adapters, applied in the worker around a target (see grader/layout.py).

Plain-data translations only: keyword renames and value tables, keep <-> drop probabilities,
optimizer-state key renames mirrored back into the caller's dict. Standard library only.
"""
from __future__ import annotations


def _one_minus(value):
    """1 - value for a probability (keep <-> drop); anything else is passed on unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 1 - value
    return value


def _translate(d: dict, op: dict, to_course: bool) -> dict:
    """A copy of dict ``d`` with the course's key names (or back) and 1 - value where listed."""
    keys = op.get("keys", {})
    if not to_course:
        keys = {course: canon for canon, course in keys.items()}
    out = {keys.get(k, k): v for k, v in d.items()}
    for k in op.get("one_minus", []):
        if k in out:
            out[k] = _one_minus(out[k])
    return out


def adapt(fn, ops: list):
    """``fn`` called through a course profile's argument translations (see grader/layout.py)."""

    def adapted(*args, **kwargs):
        args, kwargs, mirrors = list(args), dict(kwargs), []
        for op in ops:
            if op.get("op") == "kwarg" and op.get("name") in kwargs:
                value = kwargs.pop(op["name"])
                if "values" in op:
                    table = [pair for pair in op["values"]
                             if (pair[0] is None) == (value is None) and pair[0] == value]
                    if not table:
                        raise ValueError(f"{op['name']}={value!r} has no equivalent in this "
                                         f"course's API ({op['to']}): the check does not apply")
                    value = table[0][1]
                if op.get("transform") == "one_minus":
                    value = _one_minus(value)
                kwargs[op.get("to", op["name"])] = value
            elif op.get("op") == "dict":
                arg, kw = op.get("arg"), op.get("kwarg")
                holder, key = ((args, arg) if arg is not None and arg < len(args)
                               else (kwargs, kw) if kw in kwargs else (None, None))
                given = holder[key] if holder is not None else None
                if type(given) is dict:
                    holder[key] = _translate(given, op, True)
                    mirrors.append((op, given, holder[key]))
                else:   # no dict passed (config=None): only the result is translated back
                    mirrors.append((op, None, None))
        result = fn(*args, **kwargs)
        for op, given, passed in mirrors:
            if given is not None:
                given.clear()
                given.update(_translate(passed, op, False))
            index = op.get("result")
            if index is not None and isinstance(result, tuple) and index < len(result):
                item = result[index]
                back = given if (given is not None and item is passed) else (
                    _translate(item, op, False) if type(item) is dict else item)
                result = result[:index] + (back,) + result[index + 1:]
        return result

    adapted.__name__ = getattr(fn, "__name__", "adapted")
    return adapted
