"""Money: `Decimal` with cents precision, stored as integer cents, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
"""Largest accepted amount (fits the integer-cents columns on every engine)."""


def cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: object, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, from a JSON number or string."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"{field} must be a decimal amount, got {type(value).__name__}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field} is not a decimal amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"{field} must be finite")
    if amount < 0:
        raise ValueError(f"{field} must not be negative: {value}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"{field} exceeds {MAX_AMOUNT}: {value}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{field} has more than two decimals: {value}")
    return amount.quantize(CENT)


def show(amount: Decimal) -> str:
    """The JSON form of an amount: a string with exactly two decimals."""
    return str(cents(amount))


class Money(TypeDecorator[Decimal]):
    """A column holding a `Decimal` amount as integer cents (exact on SQLite and PostgreSQL)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:  # type: ignore[no-untyped-def]
        if value is None:
            return None
        scaled = Decimal(value) * 100
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {value} has sub-cent precision")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:  # type: ignore[no-untyped-def]
        return None if value is None else (Decimal(value) / 100).quantize(CENT)
