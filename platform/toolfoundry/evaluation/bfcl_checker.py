"""BFCL's AST-match rules for single-turn Python categories (simple, multiple, irrelevance).

A decoded model output is a list of calls ``[{func_name: {param: value}}]``. The rules follow the
Berkeley Function-Calling Leaderboard's AST checker:

- **function name**: the call must name the ground-truth function (a name with ``.`` may also be
  written with ``_``, since many chat formats forbid dots in function names);
- **required parameters**: every parameter in the function's ``required`` list must be given;
- **no unexpected parameters**: every given parameter must exist in the function's definition and in
  the possible answer;
- **types**: the value's Python type must equal the declared one (``integer`` -> int, ``float`` ->
  float, ``string`` -> str, ``boolean`` -> bool, ``array``/``tuple`` -> list, ``dict`` -> dict, ``any``
  -> anything); an int is accepted for a ``float``; array elements are checked against ``items.type``;
- **values**: the value must be among the possible answers. Strings are compared after removing
  spaces and ``,./-_*^`` and lower-casing; lists element-wise the same way; dicts key by key
  (recursively, with ``""`` marking an optional key);
- **optional parameters**: a parameter of the possible answer that was not given must list ``""``
  among its values;
- **simple / multiple**: exactly one call, checked as above against the (single) ground truth;
- **irrelevance**: correct when the output contains no function call at all.

:func:`check_case` returns ``(correct, reason)``; the reason names the first failed rule.
"""

from __future__ import annotations

import re
from typing import Any

_STANDARDIZE = re.compile(r"[ ,./\\\-_*^]")
_PY_TYPES = {"string": str, "integer": int, "float": float, "boolean": bool, "array": list, "tuple": list,
             "dict": dict}


def standardize(value: Any) -> Any:
    return _STANDARDIZE.sub("", value).lower() if isinstance(value, str) else value


def _std_list(values: list) -> list:
    return [_std_list(v) if isinstance(v, list) else standardize(v) for v in values]


def _type_ok(value: Any, type_name: str | None, items_type: str | None) -> bool:
    if type_name in (None, "any"):
        return True
    expected = _PY_TYPES.get(type_name)
    if expected is None:
        return True  # a type BFCL does not check in Python categories
    if type(value) is not expected:  # exact: a bool is not an int
        return False
    if expected is list and items_type in _PY_TYPES:
        item_t = _PY_TYPES[items_type]
        return all(type(v) is item_t or (item_t is float and type(v) is int) for v in value)
    return True


def _value_in(value: Any, possible: list) -> bool:
    if isinstance(value, str):
        return standardize(value) in [standardize(p) for p in possible if isinstance(p, str)]
    if isinstance(value, list):
        target = _std_list(value)
        return any(isinstance(p, list) and _std_list(p) == target for p in possible)
    if isinstance(value, dict):
        return any(isinstance(p, dict) and _dict_ok(value, p) for p in possible)
    return any(not isinstance(p, (str, list, dict)) and value == p and type(p) is not bool
               or (type(p) is bool and p is value) for p in possible)


def _dict_ok(value: dict, possible: dict) -> bool:
    for key, v in value.items():
        if key not in possible:
            return False
        options = possible[key] if isinstance(possible[key], list) else [possible[key]]
        if isinstance(v, dict):
            if not any(isinstance(o, dict) and _dict_ok(v, o) for o in options):
                return False
        elif not _value_in(v, options):
            return False
    return all("" in (opts if isinstance(opts, list) else [opts]) for k, opts in possible.items() if k not in value)


def _name_matches(given: str, expected: str) -> bool:
    return given == expected or given == expected.replace(".", "_")


def check_call(call: dict, function: dict, possible: dict) -> tuple[bool, str]:
    """One decoded call ``{name: {param: value}}`` against its function definition and possible answer."""
    (name, args), = call.items()
    expected_name = next(iter(possible))
    if not _name_matches(name, expected_name):
        return False, f"wrong function: {name!r} instead of {expected_name!r}"
    if not isinstance(args, dict):
        return False, "arguments are not a mapping"
    answer = possible[expected_name]
    params = function.get("parameters", {}) or {}
    props = params.get("properties", {}) or {}
    for req in params.get("required", []) or []:
        if req not in args:
            return False, f"missing required parameter {req!r}"
    for pname, value in args.items():
        if pname not in props or pname not in answer:
            return False, f"unexpected parameter {pname!r}"
        detail = props[pname] or {}
        type_name = detail.get("type")
        items_type = (detail.get("items") or {}).get("type") if type_name in ("array", "tuple") else None
        if type_name == "float" and type(value) is int:
            value = float(value)
        if type_name == "tuple" and isinstance(value, tuple):
            value = list(value)
        if not _type_ok(value, type_name, items_type):
            return False, f"type error for {pname!r}: {type(value).__name__} is not {type_name}"
        if not _value_in(value, answer[pname]):
            return False, f"value error for {pname!r}: {value!r} not in {answer[pname]!r}"
    for pname, options in answer.items():
        if pname not in args and "" not in options:
            return False, f"optional parameter {pname!r} not provided but required by the answer"
    return True, "ok"


def check_case(category: str, calls: list[dict] | None, functions: list[dict], ground_truth: list[dict]) -> tuple[bool, str]:
    """Check the decoded calls of one BFCL question. ``calls`` is None when nothing could be decoded."""
    if category.startswith("irrelevance") or category.startswith("live_irrelevance"):
        return (not calls), ("ok" if not calls else "called a function on an irrelevant query")
    if not calls:
        return False, "no function call decoded"
    if len(calls) != len(ground_truth):
        return False, f"{len(calls)} calls instead of {len(ground_truth)}"
    if len(ground_truth) != 1:
        return False, "parallel categories are not supported by this checker"
    possible = ground_truth[0]
    expected = next(iter(possible))
    fn = next((f for f in functions if f.get("name") == expected), None)
    if fn is None:
        return False, f"ground-truth function {expected!r} missing from the candidate list"
    return check_call(calls[0], fn, possible)
