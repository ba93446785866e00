"""Expectations: outcome field -> expected value, or an operator (contains, at_least,
at_most, not, one_of). Numbers compare as decimals ("12.50" equals 12.5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

OPERATORS = ("contains", "at_least", "at_most", "not", "one_of")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if expected == actual:
        return True
    left, right = _number(expected), _number(actual)
    return left is not None and right is not None and left == right


def check(field: str, expected: Any, outcome: dict[str, Any]) -> str | None:
    """None when the outcome meets the expectation, else what went wrong, in words."""
    if field not in outcome:
        have = ", ".join(sorted(outcome)) or "nothing"
        return f"{field}: the step gave no {field} (it gave {have})"
    actual = outcome[field]
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in OPERATORS:
        op, value = next(iter(expected.items()))
        ok = {
            "contains": lambda: isinstance(actual, (str, list)) and str(value) in actual,
            "at_least": lambda: _cmp(actual, value, 1),
            "at_most": lambda: _cmp(actual, value, -1),
            "not": lambda: not same(value, actual),
            "one_of": lambda: isinstance(value, list) and any(same(v, actual) for v in value),
        }[op]()
        return None if ok else f"{field}: expected {op.replace('_', ' ')} {value!r}, got {actual!r}"
    return None if same(expected, actual) else f"{field}: expected {expected!r}, got {actual!r}"


def _cmp(actual: Any, bound: Any, sign: int) -> bool:
    """Numbers as decimals; ISO dates and other text in their natural (string) order."""
    a, b = _number(actual), _number(bound)
    if a is not None and b is not None:
        return (a - b) * sign >= 0
    if isinstance(actual, str) and isinstance(bound, str):
        return actual == bound or (actual > bound) == (sign > 0)
    return False
