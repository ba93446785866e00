"""Money at the edges: Decimal yuan with at most 2 decimals <-> integer cents inside."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from backends.core.errors import DomainError

MAX_CENTS = 10**13  # 100 billion yuan: bounds every single amount


def to_cents(amount: Decimal | str | int, field: str = "amount") -> int:
    """Positive cents of ``amount``; a 400 naming ``field`` for anything else."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"{field} is not a number") from None
    if not value.is_finite():
        raise DomainError(f"{field} must be finite")
    if value <= 0:
        raise DomainError(f"{field} must be positive")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(f"{field} has more than 2 decimals (cents)")
    cents = int(value * 100)
    if cents > MAX_CENTS:
        raise DomainError(f"{field} is too large")
    return cents


def to_yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))
