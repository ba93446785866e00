"""The PBOC/UnionPay debit application (card-spec §4; EMV Book 3, PBOC 3.0 Part 5).

Commands handled here while the debit ADF is current: GET PROCESSING OPTIONS, GET DATA,
offline plaintext VERIFY with the bank PIN, GENERATE AC (first and second). SELECT and READ
RECORD (AFL records, transaction log) are the card OS's ISO handlers.

Persistent state is the ADF's `app_state` (ATC, last online ATC, online-pending flag) and
the bank PIN's retry counter, each written through the NVM *before* the result that depends
on it is produced: the ATC before any cryptogram, the PIN counter before the comparison.
The transaction in progress (GPO done, first AC type ...) is volatile, per channel.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from card_os.apps.base import Application as BaseApplication
from card_os.pboc.cryptogram import (
    ac_input,
    compute_ac,
    compute_arpc,
    derive_session_key,
)
from card_os.pboc.dol import DolEntry, DolError, build_dol_data, parse_dol, split_dol_data
from card_os.pboc.iad import AcType, Cvr, CvrBit, build_iad
from card_os.pboc.tags import Tag
from card_os.security import decode_pin
from card_os.sw import CardError, counter_sw
from card_os.tlv import iter_tlv, tlv

if TYPE_CHECKING:
    from card_os.apdu import Command
    from card_os.card import Card
    from card_os.context import Context
    from card_os.fs import DF, EF
    from card_os.security import Pin

ATC_MAX = 0xFFFF
ARC_APPROVED = b"00"  # authorisation response code "approved" (EMV Book 4 Annex A6)


@dataclass
class Transaction:
    """Volatile state of the transaction in progress on one channel."""

    stage: str = "selected"  # selected -> (GPO) processing -> (ARQC) online -> done
    atc: int = 0
    values: dict[int, bytes] = field(default_factory=dict)  # PDOL and CDOL1 data by tag
    first_ac: AcType | None = None
    arqc: bytes = b""
    pin_performed: bool = False
    pin_failed: bool = False


class Application(BaseApplication):
    """The debit ADF's behaviour; one instance per card, transactions per channel."""

    def __init__(self, df: DF, card: Card) -> None:
        super().__init__(df, card)
        # Per logical channel number: the channel's context and its transaction. A new
        # context (power-on, reset, channel reopened) means a new transaction.
        self._transactions: dict[int, tuple[Context, Transaction]] = {}
        self._handlers: dict[tuple[int, int], Callable[[Context, Command], bytes | None]] = {
            (0x00, 0xA4): self._select,
            (0x80, 0xA8): self._get_processing_options,
            (0x80, 0xCA): self._get_data,
            (0x00, 0x20): self._verify,
            (0x80, 0xAE): self._generate_ac,
        }

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, ctx: Context, cmd: Command) -> bytes | None:
        handler = self._handlers.get((cmd.cla & 0xFC, cmd.ins))  # b2-b1: logical channel
        return None if handler is None else handler(ctx, cmd)

    def _tx(self, ctx: Context) -> Transaction:
        entry = self._transactions.get(ctx.number)
        if entry is None or entry[0] is not ctx:
            entry = (ctx, Transaction())
            self._transactions[ctx.number] = entry
        return entry[1]

    def selected(self, ctx: Context) -> None:
        """The application was (re)selected on this channel: a new transaction begins.

        Called from our SELECT interception; a card OS that notifies applications of every
        selection of their DF may call it too (docs/pboc.md, "Limits")."""
        self._transactions[ctx.number] = (ctx, Transaction())

    # -- configuration and persistent state ---------------------------------------------------

    @property
    def _config(self) -> dict:
        return self.df.app_state["config"]

    def _dol(self, name: str) -> list[DolEntry]:
        return parse_dol(bytes.fromhex(self._config[name]))

    def _persist(self, ctx: Context, **changes: object) -> None:
        ctx.set_app_state(self.df, {**self.df.app_state, **changes})

    def _bank_pin(self, ctx: Context) -> Pin:
        pin = ctx.find_pin(self._config["pin_ref"], self.df)
        if pin is None:
            raise CardError(0x6A88)
        return pin

    # -- SELECT: a new selection starts a new transaction ---------------------------------------

    def _select(self, ctx: Context, cmd: Command) -> None:
        self.selected(ctx)
        return None  # the ISO handler selects and answers with the FCI

    # -- GET PROCESSING OPTIONS (EMV Book 3 §6.5.8) ----------------------------------------------

    def _get_processing_options(self, ctx: Context, cmd: Command) -> bytes:
        if (cmd.p1, cmd.p2) != (0, 0):
            raise CardError(0x6A86)
        # Every GPO starts a new transaction, even one issued twice: a SELECT from another DF
        # does not reach this application, so "GPO already done" cannot be told apart from
        # "re-selected from the PSE or SSSE" (docs/pboc.md, "Limits").
        if self.df.lcs != "operational":
            raise CardError(0x6985)  # a blocked application does not start transactions
        pdol = self._dol("pdol")
        values = _command_template(cmd.data, pdol)
        atc = self.df.app_state["atc"]
        if atc >= ATC_MAX:
            raise CardError(0x6985)  # ATC exhausted: the application can no longer transact
        # The ATC is persisted before anything depends on it (it never repeats, EMV Book 2 §8.1).
        self._persist(ctx, atc=atc + 1)
        tx = Transaction(stage="processing", atc=atc + 1, values=values)
        self._transactions[ctx.number] = (ctx, tx)
        aip, afl = bytes.fromhex(self._config["aip"]), bytes.fromhex(self._config["afl"])
        if self._config["gpo_format"] == 1:
            return tlv(Tag.RESPONSE_FORMAT_1, aip + afl)
        return tlv(Tag.RESPONSE_FORMAT_2, tlv(Tag.AIP, aip) + tlv(Tag.AFL, afl))

    # -- GET DATA (EMV Book 3 §6.5.7) ------------------------------------------------------------

    def _get_data(self, ctx: Context, cmd: Command) -> bytes:
        tag = cmd.p1 << 8 | cmd.p2
        state = self.df.app_state
        readers: dict[int, Callable[[], bytes]] = {
            Tag.PIN_TRY_COUNTER: lambda: bytes([self._bank_pin(ctx).tries_left]),
            Tag.ATC: lambda: state["atc"].to_bytes(2, "big"),
            Tag.LAST_ONLINE_ATC: lambda: state["last_online_atc"].to_bytes(2, "big"),
            Tag.LOG_FORMAT: lambda: bytes.fromhex(self._config["log_format"]),
        }
        reader = readers.get(tag)
        if reader is None:
            raise CardError(0x6A88)
        return tlv(tag, reader())

    # -- VERIFY, offline plaintext PIN (EMV Book 3 §6.5.12) -------------------------------------

    def _verify(self, ctx: Context, cmd: Command) -> bytes:
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            raise CardError(0x6A86)  # only plaintext offline PIN (P2 80) in this application
        pin = self._bank_pin(ctx)
        if not cmd.data:  # no data: ask for the number of tries left
            raise CardError(0x6983 if pin.blocked else counter_sw(pin.tries_left))
        if len(cmd.data) != 8:
            raise CardError(0x6700)
        if decode_pin(cmd.data, "format2") is None:
            raise CardError(0x6A80)  # not a format 2 PIN block: no try is used
        if pin.blocked:
            raise CardError(0x6983)
        tx = self._tx(ctx)
        tx.pin_performed = True
        # Decrement and persist before comparing: a tear never yields a free try (DESIGN.md).
        ctx.nvm.set(pin, "tries_left", pin.tries_left - 1)
        if not hmac.compare_digest(cmd.data, pin.encoded):
            tx.pin_failed = True
            raise CardError(counter_sw(pin.tries_left))
        ctx.nvm.set(pin, "tries_left", pin.max_tries)
        tx.pin_failed = False
        ctx.security.pins.add(pin)
        return b""

    # -- GENERATE AC (EMV Book 3 §6.5.5) ----------------------------------------------------------

    def _generate_ac(self, ctx: Context, cmd: Command) -> bytes:
        if cmd.p2 != 0x00 or cmd.p1 & 0x3F or cmd.p1 & 0xC0 == 0xC0:
            raise CardError(0x6A86)  # RFU bits, CDA (not supported: AIP says so) or type 11
        requested = AcType(cmd.p1 & 0xC0)
        tx = self._tx(ctx)
        if tx.stage == "processing":
            return self._first_ac(ctx, cmd, tx, requested)
        if tx.stage == "online":
            return self._second_ac(ctx, cmd, tx, requested)
        raise CardError(0x6985)

    def _first_ac(self, ctx: Context, cmd: Command, tx: Transaction, requested: AcType) -> bytes:
        values = _dol_values(cmd.data, self._dol("cdol1"))
        state = self.df.app_state
        decision = requested
        if requested == AcType.TC:
            # Card risk management: offline approval only within the consecutive offline
            # limit since the last online transaction (9F23), else go online.
            offline_count = tx.atc - state["last_online_atc"] - 1
            if offline_count >= self._config["upper_offline_limit"]:
                decision = AcType.ARQC
        flags = self._cvr_flags(ctx, tx)
        cvr = Cvr(first_ac=decision, flags=frozenset(flags))
        if decision == AcType.ARQC:
            self._persist(ctx, online_pending=True)
        tx.values.update(values)
        ac = self._cryptogram(ctx, tx.atc, cmd.data, cvr.encoded)
        tx.first_ac = decision
        tx.stage = "online" if decision == AcType.ARQC else "done"
        if decision == AcType.ARQC:
            tx.arqc = ac
        if decision == AcType.TC:
            self._log(ctx, tx)
        return self._ac_response(decision, tx.atc, ac, cvr.encoded)

    def _second_ac(self, ctx: Context, cmd: Command, tx: Transaction, requested: AcType) -> bytes:
        values = _dol_values(cmd.data, self._dol("cdol2"))
        issuer_data = values.get(Tag.ISSUER_AUTH_DATA, b"")
        arpc, arc = issuer_data[:8], values.get(Tag.AUTH_RESPONSE_CODE, issuer_data[8:10])
        key = self._ac_key(ctx)
        algorithm = self._config["algorithm"]
        session = derive_session_key(key, tx.atc, algorithm)
        authenticated = len(issuer_data) >= 10 and hmac.compare_digest(
            arpc, compute_arpc(session, tx.arqc, issuer_data[8:10], algorithm)
        )
        flags = self._cvr_flags(ctx, tx) - {CvrBit.LAST_ONLINE_NOT_COMPLETED}
        if authenticated:
            # Issuer authentication succeeded: this online transaction completed.
            self._persist(ctx, last_online_atc=tx.atc, online_pending=False)
        else:
            flags.add(CvrBit.ISSUER_AUTH_FAILED)
            self._persist(ctx, online_pending=False)
        approved = authenticated and arc == ARC_APPROVED and requested == AcType.TC
        decision = AcType.TC if approved else AcType.AAC
        cvr = Cvr(first_ac=AcType.ARQC, second_ac=decision, flags=frozenset(flags))
        ac = self._cryptogram(ctx, tx.atc, cmd.data, cvr.encoded)
        tx.stage = "done"
        if decision == AcType.TC:
            self._log(ctx, tx)
        return self._ac_response(decision, tx.atc, ac, cvr.encoded)

    def _cvr_flags(self, ctx: Context, tx: Transaction) -> set[CvrBit]:
        state = self.df.app_state
        flags: set[CvrBit] = set()
        if tx.pin_performed:
            flags.add(CvrBit.OFFLINE_PIN_PERFORMED)
        if tx.pin_failed:
            flags.add(CvrBit.OFFLINE_PIN_FAILED)
        if self._bank_pin(ctx).blocked:
            flags.add(CvrBit.PIN_TRY_LIMIT_EXCEEDED)
        if state.get("online_pending"):
            flags.add(CvrBit.LAST_ONLINE_NOT_COMPLETED)
        if state["last_online_atc"] == 0:
            flags.add(CvrBit.NEW_CARD)
        return flags

    def _ac_key(self, ctx: Context) -> bytes:
        key = ctx.find_key(self._config["ac_key_ref"], self.df)
        if key is None or not key.allows("ac"):
            raise CardError(0x6A88)
        return key.value

    def _cryptogram(self, ctx: Context, atc: int, dol_data: bytes, cvr: bytes) -> bytes:
        algorithm = self._config["algorithm"]
        session = derive_session_key(self._ac_key(ctx), atc, algorithm)
        aip = bytes.fromhex(self._config["aip"])
        return compute_ac(session, ac_input(dol_data, aip, atc, cvr), algorithm)

    def _ac_response(self, decision: AcType, atc: int, ac: bytes, cvr: bytes) -> bytes:
        cid = bytes([decision])
        iad = build_iad(self._config["dki"], self._config["cvn"], cvr, self._config["algorithm"])
        atc_bytes = atc.to_bytes(2, "big")
        if self._config["genac_format"] == 1:
            return tlv(Tag.RESPONSE_FORMAT_1, cid + atc_bytes + ac + iad)
        return tlv(
            Tag.RESPONSE_FORMAT_2,
            tlv(Tag.CID, cid) + tlv(Tag.ATC, atc_bytes) + tlv(Tag.AC, ac) + tlv(Tag.IAD, iad),
        )

    # -- transaction log (PBOC 3.0 Part 5: 9F4D / 9F4F) ------------------------------------------

    def _log(self, ctx: Context, tx: Transaction) -> None:
        """Prepend one record to the cyclic log file: record 1 is the newest."""
        ef = self._log_file()
        if ef is None:
            return
        values = {**tx.values, Tag.ATC: tx.atc.to_bytes(2, "big")}
        record = build_dol_data(self._dol("log_format"), values)
        ctx.nvm.set(ef, "records", (record, *ef.records)[: ef.max_records])

    def _log_file(self) -> EF | None:
        return self.df.ef_by_sfi.get(self._config["log_sfi"])


def _command_template(data: bytes, pdol: list[DolEntry]) -> dict[int, bytes]:
    """Values of the GPO command template 83; 6700 when its length does not match the PDOL."""
    try:
        objects = list(iter_tlv(data))
    except ValueError:
        raise CardError(0x6700) from None
    if len(objects) != 1 or objects[0][0] != Tag.COMMAND_TEMPLATE:
        raise CardError(0x6A80)
    try:
        return split_dol_data(pdol, objects[0][1])
    except DolError:
        raise CardError(0x6700) from None


def _dol_values(data: bytes, dol: list[DolEntry]) -> dict[int, bytes]:
    try:
        return split_dol_data(dol, data)
    except DolError:
        raise CardError(0x6700) from None
