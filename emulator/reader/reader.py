"""The reference reader: the standard terminal interface over the Transport seam.

Every call powers the card on, does its work and powers it off again, so no security state
and no reader state survive a call; the one exception is an HSM two-step exchange, which
keeps the card powered between its steps and drops everything on any failure.
Failures never raise: they return the documented code and message (card-spec §3.3).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from card_os.atr import AtrError, parse_atr
from card_os.codecs import CodecError, decode_an, decode_date, decode_gbk
from card_os.ssse.layouts import DEFAULT_DF_LAYOUTS, DfLayout
from card_os.ssse.profile import KeyIds
from emulator.reader.bank import read_bank_pan
from emulator.reader.basic_info import HSM_TERMINAL_NUMBER, BasicInfo, OutputFormatError
from emulator.reader.card_session import CardSession
from emulator.reader.codes import OK, ReaderError, Result
from emulator.reader.file_addr import parse_file_addr
from emulator.reader.generic_read import read_records
from emulator.reader.hsm_messages import (
    RELOAD_PIN_HEADER,
    ReloadAuthRequest,
    ReloadRequest,
    Step1Data,
    parse_read_key,
)
from emulator.reader.pin_pad import PinEntryCancelled, PinEntryTimeout, PinPad
from emulator.reader.psam import CardIdentity, PsamModule

if TYPE_CHECKING:
    from emulator.transport import Transport

__all__ = ["CardHead", "ReaderConfig", "ReferenceReader"]

IType = int
#: iType -> slots to try in order (card-spec §3.1: 1 contact, 2 contactless, 3/4 auto).
SLOT_ORDER: dict[IType, tuple[str, ...]] = {
    1: ("contact",),
    2: ("contactless",),
    3: ("contact", "contactless"),
    4: ("contactless", "contact"),
}
#: First byte of 规范版本 -> generation (card-spec §1.3: '2' or 0x00 is 2nd gen).
GENERATIONS: dict[str, int] = {"2": 2, "3": 3, "": 2}


@dataclass(frozen=True)
class ReaderConfig:
    """Terminal settings; defaults follow the issuer profile defaults (docs/card-model.md)."""

    key_ids: KeyIds = field(default_factory=KeyIds)
    initial_pin: str = "123456"
    #: Some cities refuse transactions with the initial PIN (card-spec §2.3: -35). Off by default.
    refuse_initial_pin: bool = False
    change_pin_header: bytes = bytes.fromhex("805E0100")
    verify_pin_ref: int = 0x00
    device_number: str = ""
    df_layouts: tuple[DfLayout, ...] = tuple(DEFAULT_DF_LAYOUTS)


@dataclass(frozen=True)
class CardHead:
    """What is read before any authentication (card-spec §2.4: EF05 records 01, 03, 07)."""

    algorithm: int
    card_id: bytes
    spec_version: str
    card_number: str
    generation: int
    historical: bytes

    @property
    def region(self) -> str:
        return self.card_id[:3].hex()

    @property
    def identity(self) -> CardIdentity:
        return CardIdentity(self.region, self.historical, self.card_id)


@dataclass
class _Pending:
    """State of an HSM exchange between its steps."""

    kind: str  # "read" or "reload"
    session: CardSession
    head: CardHead
    internal_result: bytes = b""
    step: int = 1  # the step that produced this state
    new_pin: str = field(default="", repr=False)


class ReferenceReader:
    """The reference implementation of TerminalInterface (docs/reader.md)."""

    def __init__(
        self,
        contact: Transport | None = None,
        *,
        contactless: Transport | None = None,
        psam: PsamModule | None = None,
        pin_pad: PinPad | None = None,
        config: ReaderConfig | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
        description: str = "sscard reference reader",
    ) -> None:
        self.slots: dict[str, Transport | None] = {
            "contact": contact,
            "contactless": contactless,
        }
        self.psam = psam
        self.pin_pad = pin_pad
        self.config = config or ReaderConfig()
        self.random_bytes = random_bytes
        self.description = description
        self._session: CardSession | None = None
        self._pending: _Pending | None = None

    # --- the interface ---------------------------------------------------------------------

    def iReadCardBas(self, iType: int) -> Result:
        return self._call(lambda: self._read_basic_psam(iType))

    def iReadCardBas_HSM_Step1(self, iType: int) -> Result:
        return self._call(lambda: self._read_hsm_step1(iType))

    def iReadCardBas_HSM_Step2(self, pKey: str) -> Result:
        return self._call(lambda: self._read_hsm_step2(_text(pKey, "pKey")))

    def iVerifyPIN(self, iType: int) -> Result:
        return self._call(lambda: self._verify_pin(iType))

    def iChangePIN(self, iType: int) -> Result:
        return self._call(lambda: self._change_pin(iType))

    def iReloadPIN_HSM_Step1(self, iType: int, pCardInfo: str) -> Result:
        return self._call(lambda: self._reload_step1(iType, _text(pCardInfo, "pCardInfo")))

    def iReloadPIN_HSM_Step2(self, pKey: str) -> Result:
        return self._call(lambda: self._reload_step2(_text(pKey, "pKey")))

    def iReloadPIN_HSM_Step3(self, pKey: str) -> Result:
        return self._call(lambda: self._reload_step3(_text(pKey, "pKey")))

    def iReadCard(self, iType: int, iAuthType: int, pCardInfo: str, pFileAddr: str) -> Result:
        return self._call(
            lambda: self._read_card(
                iType, iAuthType, _text(pCardInfo, "pCardInfo"), _text(pFileAddr, "pFileAddr")
            )
        )

    def iReadBankNumber(self, iType: int) -> Result:
        return self._call(lambda: read_bank_pan(self._connect(iType)))

    # --- call discipline -------------------------------------------------------------------

    def _call(self, work: Callable[[], str]) -> Result:
        """Run ``work``; turn failures into results and leave no state behind."""
        try:
            return Result(OK, work())
        except ReaderError as err:
            self._pending = None
            return err.result()
        except (CodecError, AtrError, OutputFormatError) as exc:
            self._pending = None
            return Result(-15, f"信息校验和出错：{exc}")
        finally:
            if self._pending is None:
                self._release()

    def _release(self) -> None:
        session, self._session = self._session, None
        # Power-off is best effort: the card or the PSAM may be gone already.
        if session is not None:
            with contextlib.suppress(Exception):
                session.transport.disconnect()
        if self.psam is not None:
            with contextlib.suppress(Exception):
                self.psam.close()

    def _connect(self, iType: int) -> CardSession:
        if self._pending is not None:
            self._pending = None
            self._release()
        order = SLOT_ORDER.get(iType) if isinstance(iType, int) else None
        if order is None:
            raise ReaderError(-1, f"卡类型不正确：iType={iType!r}，应为1-4")
        for slot in order:
            transport = self.slots.get(slot)
            if transport is None:
                continue
            try:
                transport.connect()
            except Exception:  # no card in this slot: try the next one
                continue
            self._session = CardSession(transport)
            return self._session
        raise ReaderError(-2)

    # --- shared steps ----------------------------------------------------------------------

    def _head(self, session: CardSession) -> CardHead:
        historical, _ = parse_atr(session.transport.atr)
        if len(historical) != 13:
            raise ReaderError(-1, f"卡类型不正确：ATR历史字节{len(historical)}字节，应为13")
        algorithm = session.select_ssse()
        card_id = session.read_record(5, 0x01).value
        if len(card_id) != 16 or not card_id[:3].hex().isdigit():
            raise ReaderError(-20, f"卡识别码格式错：{card_id.hex().upper()}")
        version = decode_an(session.read_record(5, 0x03).value)
        generation = GENERATIONS.get(version[:1])
        if generation is None:
            what = "第一代卡" if version.startswith("1") else "未知规范版本"
            raise ReaderError(-1, f"卡类型不正确：{what} {version!r}")
        number = decode_an(session.read_record(5, 0x07).value)[:9]
        return CardHead(algorithm, card_id, version, number, generation, historical)

    def _tail(self, session: CardSession, head: CardHead, terminal: str, device: str) -> str:
        """Records read after authentication, and the output string (card-spec §3.2)."""
        issued = decode_date(session.read_record(5, 0x05).value)
        expiry = decode_date(session.read_record(5, 0x06).value)
        ssn = decode_an(session.read_record(6, 0x08).value)
        name = decode_gbk(session.read_record(6, 0x09).value)
        name += self._name_extension(session)
        info = BasicInfo(
            region=head.region,
            ssn=ssn,
            card_number=head.card_number,
            card_id=head.card_id.hex().upper(),
            name=name,
            historical=head.historical.hex().upper(),
            spec_version=head.spec_version,
            issue_date=issued.strftime("%Y%m%d"),
            expiry_date=expiry.strftime("%Y%m%d"),
            terminal_number=terminal,
            device_number=device,
        )
        return info.to_out_string()

    @staticmethod
    def _name_extension(session: CardSession) -> str:
        """姓名扩展 (tag 4E), absent on some 2nd-gen cards (card-spec §1.4)."""
        try:
            return decode_gbk(session.read_record(6, 0x4E).value)
        except ReaderError as err:
            if err.code == -0x6A83:
                return ""
            raise

    def _authenticate_psam(self, session: CardSession, head: CardHead) -> tuple[str, str]:
        """Card authentication with the PSAM (card-spec §2.4 steps 2-3); returns the
        terminal and device numbers."""
        if self.psam is None:
            raise ReaderError(-2201)
        info = self.psam.open()
        if head.algorithm not in info.algorithms:
            raise ReaderError(-2202, f"PSAM卡不支持该算法{head.algorithm:02X}")
        if head.generation == 3 and not info.has_rkssse:
            raise ReaderError(-2203)
        keys = self.config.key_ids
        factor, data = self.random_bytes(8), self.random_bytes(8)
        answered = session.internal_authenticate(keys.internal_auth, factor, data)
        expected = self.psam.internal_auth_result(head.algorithm, head.identity, factor, data)
        if answered != expected:
            raise ReaderError(-21)
        if head.generation == 3:
            challenge = session.get_challenge()
            payload = self.psam.external_auth_data(head.algorithm, head.identity, challenge)
            session.external_authenticate(keys.rkssse, payload)
        return info.terminal_number, info.device_number or self.config.device_number

    # --- iReadCardBas, PSAM and HSM modes --------------------------------------------------

    def _read_basic_psam(self, iType: int) -> str:
        session = self._connect(iType)
        head = self._head(session)
        terminal, device = self._authenticate_psam(session, head)
        return self._tail(session, head, terminal, device)

    def _read_hsm_step1(self, iType: int) -> str:
        session = self._connect(iType)
        head = self._head(session)
        factors = ["", "", "", ""]
        internal_result = b""
        if head.generation == 3:
            factor, data = self.random_bytes(8), self.random_bytes(8)
            keys = self.config.key_ids
            internal_result = session.internal_authenticate(keys.internal_auth, factor, data)
            external_factor = self.random_bytes(8)
            challenge = session.get_challenge()
            factors = [x.hex().upper() for x in (factor, data, external_factor, challenge)]
        step1 = Step1Data(
            head.region,
            head.historical.hex().upper(),
            f"{head.algorithm:02X}",
            head.card_id.hex().upper(),
            *factors,
            terminal_number=HSM_TERMINAL_NUMBER,
        )
        self._pending = _Pending("read", session, head, internal_result)
        return step1.to_out_string()

    def _take_pending(self, kind: str, step: int) -> _Pending:
        pending, self._pending = self._pending, None
        if pending is None or pending.kind != kind or pending.step != step:
            raise ReaderError(-12, "未建立连接：请先执行上一步")
        self._session = pending.session
        return pending

    def _read_hsm_step2(self, pKey: str) -> str:
        pending = self._take_pending("read", 1)
        session, head = pending.session, pending.head
        if head.generation == 3:
            key = parse_read_key(pKey)
            if key.internal_result != pending.internal_result:
                raise ReaderError(-25)
            session.external_authenticate(self.config.key_ids.rkssse, key.external_data)
        return self._tail(session, head, HSM_TERMINAL_NUMBER, self.config.device_number)

    # --- PIN -------------------------------------------------------------------------------

    def _enter(self, prompt: str) -> str:
        if self.pin_pad is None:
            raise ReaderError(-13, "不支持该命令：读卡器没有密码键盘")
        try:
            pin = self.pin_pad.enter(prompt)
        except PinEntryCancelled:
            raise ReaderError(-31) from None
        except PinEntryTimeout:
            raise ReaderError(-32) from None
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 16):
            raise ReaderError(-33)
        return pin

    def _verify_pin(self, iType: int) -> str:
        pin = self._enter("请输入密码")
        session = self._connect(iType)
        session.select_ssse()
        session.verify_pin(pin, self.config.verify_pin_ref)
        if self.config.refuse_initial_pin and pin == self.config.initial_pin:
            raise ReaderError(-35)
        return ""

    def _new_pin(self) -> str:
        new = self._enter("请输入新密码")
        again = self._enter("请再次输入新密码")
        if new != again:
            raise ReaderError(-34)
        if new == self.config.initial_pin:
            raise ReaderError(-36)
        return new

    def _change_pin(self, iType: int) -> str:
        old = self._enter("请输入原密码")
        new = self._new_pin()
        session = self._connect(iType)
        session.select_ssse()
        session.change_pin(old, new, self.config.change_pin_header)
        return ""

    # --- PIN reload, HSM two steps (card-spec §2.4) --------------------------------------

    def _check_card_info(self, head: CardHead, card_info: str) -> None:
        """pCardInfo = 卡识别码|卡号 must match the card (card-spec §3.1 iReloadPIN)."""
        parts = card_info.strip().split("|")
        if len(parts) < 2 or (len(parts) > 2 and any(parts[2:])):
            raise ReaderError(-23, "pCardInfo 应为 卡识别码|卡号|")
        card_id, number = parts[0].upper(), parts[1]
        if len(card_id) != 32 or any(c not in "0123456789ABCDEF" for c in card_id):
            raise ReaderError(-20)
        if card_id != head.card_id.hex().upper() or number != head.card_number:
            raise ReaderError(-22)

    def _reload_step1(self, iType: int, card_info: str) -> str:
        new = self._new_pin()
        session = self._connect(iType)
        head = self._head(session)
        self._check_card_info(head, card_info)
        factor = self.random_bytes(8)
        challenge = session.get_challenge()
        request = ReloadAuthRequest(
            f"{head.algorithm:02X}",
            head.region,
            head.historical.hex().upper(),
            factor.hex().upper(),
            challenge.hex().upper(),
        )
        self._pending = _Pending("reload", session, head, new_pin=new)
        return request.to_out_string()

    def _reload_step2(self, pKey: str) -> str:
        pending = self._take_pending("reload", 1)
        data = _hex_bytes(pKey, 16)
        session, head = pending.session, pending.head
        session.external_authenticate(self.config.key_ids.pin_reload, data)
        challenge = session.get_challenge()
        request = ReloadRequest(
            f"{head.algorithm:02X}",
            head.region,
            head.historical.hex().upper(),
            challenge.hex().upper(),
            pending.new_pin,
        )
        pending.step = 2
        self._pending = pending
        return request.to_out_string()

    def _reload_step3(self, pKey: str) -> str:
        pending = self._take_pending("reload", 2)
        text = pKey.strip().upper()
        header = RELOAD_PIN_HEADER.hex().upper()
        body = text.removeprefix(header) if len(text) == 2 * (5 + 0x14) else text
        data = _hex_bytes(body, RELOAD_PIN_HEADER[-1])
        pending.session.expect_ok(RELOAD_PIN_HEADER + data)
        return ""

    # --- generic read ----------------------------------------------------------------------

    def _read_card(self, iType: int, auth: int, card_info: str, file_addr: str) -> str:
        address = parse_file_addr(file_addr)
        if auth not in (0, 1, 2):
            raise ReaderError(-14, f"iAuthType={auth!r}，应为0（无）、1（PSAM认证）或2（PIN）")
        pin = self._enter("请输入密码") if auth == 2 else ""
        session = self._connect(iType)
        head = self._head(session)
        if card_info.strip():
            self._check_card_info(head, card_info)
        if auth == 1:
            self._authenticate_psam(session, head)
        elif auth == 2:
            session.verify_pin(pin, self.config.verify_pin_ref)
        return read_records(session, address, self.config.df_layouts)


def _text(value: object, name: str) -> str:
    """String arguments of the C API; anything else is -23 (illegal input)."""
    if not isinstance(value, str):
        raise ReaderError(-23, f"传入数据不合法：{name} 应为字符串，得到 {type(value).__name__}")
    return value


def _hex_bytes(text: str, size: int) -> bytes:
    """``size`` bytes from ``text`` of exactly 2*size hex digits: -42 length, -41 characters."""
    text = text.strip()
    if len(text) != 2 * size:
        raise ReaderError(-42, f"运算数据长度错：{len(text)}，应为{2 * size}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ReaderError(-41) from None
