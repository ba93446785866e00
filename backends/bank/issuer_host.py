"""Issuer host of the card's debit application: ARQC in, decision and ARPC out.

The cryptography is card_os.pboc.issuer (the same code the card runs). The host adds what
only a bank knows: which PAN belongs to which account, whether that account may spend, and
the highest ATC accepted per card (kept in the database, so a replay is refused across
restarts and processes). An approved purchase is booked on the ledger like any other debit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from backends.bank.models import BankAccount, IssuerCounter
from backends.bank.money import to_cents
from backends.bank.service import CARD_SETTLEMENT, BankService
from backends.core.errors import DomainError, NotFound
from card_os.pboc import issuer
from card_os.pboc.personalise import algorithm_for, default_test_keys

APPROVED, DECLINED = b"00", b"05"  # authorisation response codes (ASCII, EMV Book 4)


class IssuerSettings(BaseSettings):
    """Issuer keys (env prefix SSCARD_ISSUER_).

    Without ``imk_ac`` the host uses the public TEST master key that card personalisation
    uses (card_os.pboc.personalise.default_test_keys), so test cards verify out of the box.
    """

    model_config = SettingsConfigDict(env_prefix="SSCARD_ISSUER_", extra="ignore")

    imk_ac: str | None = Field(default=None, pattern=r"^[0-9A-Fa-f]{32}$")
    generation: int = Field(default=3, ge=2, le=3)

    @property
    def algorithm(self) -> str:
        return algorithm_for(self.generation)

    def master_key(self) -> bytes:
        if self.imk_ac is not None:
            return bytes.fromhex(self.imk_ac)
        return default_test_keys(self.generation)["ac"]


@dataclass(frozen=True)
class Authorisation:
    approved: bool
    reason: str
    arc: bytes
    arpc: bytes | None

    @property
    def issuer_authentication_data(self) -> bytes | None:
        """Tag 91 for the second GENERATE AC: ARPC ‖ ARC."""
        return None if self.arpc is None else self.arpc + self.arc


class IssuerHost:
    """Online authorisation for the cards of one bank."""

    def __init__(self, bank: BankService, settings: IssuerSettings | None = None) -> None:
        self.bank = bank
        self.session = bank.session
        self.settings = settings or IssuerSettings()

    def authorise(
        self,
        *,
        pan: str,
        pan_sequence: int,
        atc: int,
        arqc: bytes,
        cdol1_data: bytes,
        aip: bytes,
        iad: bytes,
        amount: Decimal | None = None,
    ) -> Authorisation:
        """Verify the ARQC, refuse replays, check the account, answer with ARC and ARPC."""
        if len(arqc) != 8 or len(aip) != 2 or not 0 <= atc <= 0xFFFF:
            raise DomainError("arqc must be 8 bytes, aip 2 bytes and atc 0..65535")
        if not 0 <= pan_sequence <= 99:
            raise DomainError("pan_sequence must be 0..99")
        account = self.session.scalar(select(BankAccount).where(BankAccount.account_no == pan))
        if account is None or account.kind != "customer":
            raise NotFound(f"no card account for PAN ending {pan[-4:]}")
        cents = to_cents(amount) if amount is not None else 0
        keys = issuer.CardKeys(
            self.settings.master_key(), pan, pan_sequence, self.settings.algorithm
        )
        if not issuer.verify_ac(keys, dol_data=cdol1_data, aip=aip, atc=atc, iad=iad, ac=arqc):
            # No ARPC: the card must not take a forged cryptogram's answer as the issuer's.
            return Authorisation(False, "ARQC does not verify", DECLINED, None)
        if not self._accept_atc(pan, pan_sequence, atc):
            return Authorisation(False, f"replayed ATC {atc}", DECLINED, None)
        reason = self._refusal(account, cents)
        arc = DECLINED if reason else APPROVED
        if reason is None and cents:
            self.bank.book(
                f"auth:{pan}:{pan_sequence}:{atc}",
                "card_purchase",
                [(account.account_no, -cents), (CARD_SETTLEMENT, cents)],
            )
        arpc = issuer.arpc(keys, atc=atc, arqc=arqc, arc=arc)
        return Authorisation(reason is None, reason or "approved", arc, arpc)

    def _refusal(self, account: BankAccount, cents: int) -> str | None:
        if account.status != "active":
            return "financial function not activated"
        if account.loss != "none":
            return f"card reported lost ({account.loss})"
        if cents and self.bank.balance_cents(account.account_no) < cents:
            return "insufficient balance"
        return None

    def _accept_atc(self, pan: str, pan_sequence: int, atc: int) -> bool:
        counter = self.session.scalar(
            select(IssuerCounter)
            .where(IssuerCounter.pan == pan, IssuerCounter.psn == pan_sequence)
            .with_for_update()
        )
        if counter is None:
            self.session.add(IssuerCounter(pan=pan, psn=pan_sequence, last_atc=atc))
        elif atc <= counter.last_atc:
            return False
        else:
            counter.last_atc = atc
        self.session.flush()
        return True
