"""The card status machine: AAZ502 codes and the operations allowed between them.

Codes are the reference's (backend-flows §3.1). The transitions are read from §3.4 and §3.6:
temporary loss is short-lived and lapses by itself, formal loss cannot be un-reported, an
un-report is refused once a reissue is ordered, a PIN lock is lifted only at a service centre.
"""

from __future__ import annotations

from enum import IntEnum


class CardStatus(IntEnum):
    SEALED = 0  # 封存: produced, social function not yet activated
    NORMAL = 1  # 正常
    FORMAL_LOSS = 2  # 正式挂失
    LOCKED = 3  # 应用锁定 (PIN tries exhausted)
    TEMPORARY_LOSS = 4  # 临时挂失
    CANCELLED = 9  # 注销


S = CardStatus

# operation -> {from status: to status}. A missing pair is refused with the reason below.
# "unreport" and "lapse" return to the status held before the loss (see service), so their
# targets here are placeholders resolved there.
TRANSITIONS: dict[str, dict[CardStatus, CardStatus]] = {
    "activate_social": {S.SEALED: S.NORMAL},
    "temporary_loss": {S.SEALED: S.TEMPORARY_LOSS, S.NORMAL: S.TEMPORARY_LOSS,
                       S.LOCKED: S.TEMPORARY_LOSS, S.TEMPORARY_LOSS: S.TEMPORARY_LOSS},
    "formal_loss": {S.SEALED: S.FORMAL_LOSS, S.NORMAL: S.FORMAL_LOSS, S.LOCKED: S.FORMAL_LOSS,
                    S.TEMPORARY_LOSS: S.FORMAL_LOSS},
    "unreport": {S.TEMPORARY_LOSS: S.NORMAL},
    "lapse": {S.TEMPORARY_LOSS: S.NORMAL},
    "lock": {S.NORMAL: S.LOCKED},
    "unlock": {S.LOCKED: S.NORMAL},
    "cancel": {S.SEALED: S.CANCELLED, S.NORMAL: S.CANCELLED, S.FORMAL_LOSS: S.CANCELLED,
               S.LOCKED: S.CANCELLED, S.TEMPORARY_LOSS: S.CANCELLED},
}  # fmt: skip

# Why an operation is refused from a status, when the reason is more specific than "not allowed".
REFUSALS: dict[tuple[str, CardStatus], str] = {
    ("unreport", S.FORMAL_LOSS): "a formal loss report cannot be revoked (backend-flows §3.4)",
    ("temporary_loss", S.FORMAL_LOSS): "the card is already reported lost formally",
    ("formal_loss", S.FORMAL_LOSS): "the card is already reported lost formally",
    ("lock", S.LOCKED): "the card is already locked",
    ("unlock", S.NORMAL): "the card is not locked",
    ("activate_social", S.NORMAL): "the social security function is already active",
}

# Statuses in which a reader or a hospital must refuse the card (the blacklist).
BLACKLISTED: frozenset[CardStatus] = frozenset(
    {S.FORMAL_LOSS, S.LOCKED, S.TEMPORARY_LOSS, S.CANCELLED}
)


def refusal(operation: str, status: CardStatus) -> str:
    """The message explaining why ``operation`` is not allowed from ``status``."""
    specific = REFUSALS.get((operation, status))
    if specific:
        return specific
    if status is S.CANCELLED:
        return "the card is cancelled"
    return f"{operation} is not allowed for a card in status {int(status)} ({status.name.lower()})"
