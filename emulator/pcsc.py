"""`PcscTransport`: the Transport seam over PC/SC (pyscard), for real readers and vpcd alike.

Addressed as `pcsc:<reader name or index>`; a name may be a unique prefix of the reader's
full name (USB readers append serial and slot numbers). `transmit` does what a T=0 host
must (61xx -> GET RESPONSE, 6Cxx -> re-issue with Le), `transmit_raw` returns exactly what
the card answered. pcsc-lite leaves both to the application, as WinSCard does.
"""

from __future__ import annotations

import time

from smartcard import scard

from emulator.transport import TransportError, resolve_t0

PREFIX = "pcsc:"

_PROTOCOL_NAMES = {scard.SCARD_PROTOCOL_T0: "T=0", scard.SCARD_PROTOCOL_T1: "T=1"}
_PROTOCOL_PCI = {
    scard.SCARD_PROTOCOL_T0: scard.SCARD_PCI_T0,
    scard.SCARD_PROTOCOL_T1: scard.SCARD_PCI_T1,
}
_PROTOCOL_REQUEST = {
    "any": scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
    "T=0": scard.SCARD_PROTOCOL_T0,
    "T=1": scard.SCARD_PROTOCOL_T1,
}


class PcscError(TransportError):
    """A PC/SC call failed: no such reader, no card, the card was removed or mute ..."""


def _check(rc: int, what: str) -> None:
    if rc != scard.SCARD_S_SUCCESS:
        raise PcscError(f"{what}: {scard.SCardGetErrorMessage(rc)} (0x{rc & 0xFFFFFFFF:08X})")


def list_readers() -> list[str]:
    """Reader names known to the PC/SC service (empty when there is none)."""
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _check(rc, "cannot reach the PC/SC service (is pcscd running?)")
    try:
        rc, names = scard.SCardListReaders(context, [])
        if rc == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check(rc, "cannot list readers")
        return list(names)
    finally:
        scard.SCardReleaseContext(context)


def resolve_reader(selector: str | int, readers: list[str]) -> str:
    """The reader named by an index, an exact name or a unique name prefix."""
    if isinstance(selector, int) or selector.isdigit():
        index = int(selector)
        if not 0 <= index < len(readers):
            raise PcscError(f"no reader at index {index}; readers: {readers or 'none'}")
        return readers[index]
    if selector in readers:
        return selector
    matches = [name for name in readers if name.startswith(selector)]
    if len(matches) != 1:
        problem = "no reader" if not matches else f"{len(matches)} readers"
        raise PcscError(f"{problem} named {selector!r}; readers: {readers or 'none'}")
    return matches[0]


class PcscTransport:
    """A card in a PC/SC reader, reached through pyscard's `smartcard.scard` bindings."""

    def __init__(self, reader: str | int, protocol: str = "any", exclusive: bool = False) -> None:
        if protocol not in _PROTOCOL_REQUEST:
            raise ValueError(
                f"protocol must be one of {sorted(_PROTOCOL_REQUEST)}, got {protocol!r}"
            )
        self._selector = reader
        self._request = _PROTOCOL_REQUEST[protocol]
        self._share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        self._context: int | None = None
        self._card: int | None = None
        self._active = 0
        self._atr = b""
        self.reader_name = str(reader)
        self.description = f"{PREFIX}{reader}"
        self.protocol = ""

    @classmethod
    def from_address(cls, address: str, **options: object) -> PcscTransport:
        """A transport for `pcsc:<reader name or index>`."""
        if not address.startswith(PREFIX) or len(address) == len(PREFIX):
            raise ValueError(
                f"a PC/SC address looks like 'pcsc:0' or 'pcsc:<reader>', got {address!r}"
            )
        return cls(address[len(PREFIX) :], **options)  # type: ignore[arg-type]

    @property
    def atr(self) -> bytes:
        """The ATR of the last connect or reset."""
        return self._atr

    def connect(self) -> bytes:
        """Connect to the card (the reader powers it) and return the ATR."""
        if self._card is not None:
            self.disconnect()
        rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check(rc, "cannot reach the PC/SC service (is pcscd running?)")
        self._context = context
        try:
            rc, names = scard.SCardListReaders(context, [])
            readers = list(names) if rc == scard.SCARD_S_SUCCESS else []
            self.reader_name = resolve_reader(self._selector, readers)
            self.description = f"{PREFIX}{self.reader_name}"
            rc, card, active = scard.SCardConnect(
                context, self.reader_name, self._share, self._request
            )
            _check(rc, f"cannot connect to the card in {self.reader_name!r}")
        except BaseException:
            scard.SCardReleaseContext(context)
            self._context = None
            raise
        self._card = card
        self._set_active(active)
        return self._read_atr()

    def reset(self, cold: bool = False) -> bytes:
        """Warm reset, or cold (power cycle) when `cold`; returns the new ATR."""
        card = self._require_card()
        disposition = scard.SCARD_UNPOWER_CARD if cold else scard.SCARD_RESET_CARD
        rc, active = scard.SCardReconnect(card, self._share, self._request, disposition)
        _check(rc, f"cannot reset the card in {self.reader_name!r}")
        self._set_active(active)
        return self._read_atr()

    def disconnect(self) -> None:
        """Power the card off and release the PC/SC context."""
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_UNPOWER_CARD)
            self._card = None
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None

    def transmit_raw(self, apdu: bytes) -> bytes:
        """Exactly what the card answered: data followed by SW1 SW2."""
        card = self._require_card()
        rc, response = scard.SCardTransmit(card, _PROTOCOL_PCI[self._active], list(apdu))
        _check(rc, f"transmit to {self.reader_name!r} failed")
        if len(response) < 2:
            raise PcscError(f"{self.description}: no answer (card unpowered or mute)")
        return bytes(response)

    def transmit(self, apdu: bytes) -> bytes:
        """Data + SW with T=0 handling: 61xx fetched by GET RESPONSE, 6Cxx re-issued with Le."""
        return resolve_t0(self, apdu, self.transmit_raw(apdu))

    def __enter__(self) -> PcscTransport:
        self.connect()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.disconnect()

    def _require_card(self) -> int:
        if self._card is None:
            raise PcscError(f"{self.description}: not connected (call connect() first)")
        return self._card

    def _set_active(self, active: int) -> None:
        self._active = active
        self.protocol = _PROTOCOL_NAMES.get(active, f"0x{active:X}")

    def _read_atr(self) -> bytes:
        rc, _reader, _state, _protocol, atr = scard.SCardStatus(self._require_card())
        _check(rc, f"cannot read the ATR in {self.reader_name!r}")
        self._atr = bytes(atr)
        return self._atr


def wait_for_card(reader: str, present: bool = True, timeout: float = 10.0) -> bool:
    """Wait until `reader` holds a card (or is empty when `present` is false).

    Uses SCardGetStatusChange, so it returns as soon as pcscd notices; False on timeout.
    """
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _check(rc, "cannot reach the PC/SC service (is pcscd running?)")
    wanted = scard.SCARD_STATE_PRESENT if present else scard.SCARD_STATE_EMPTY
    try:
        states = [(reader, scard.SCARD_STATE_UNAWARE)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc, states = scard.SCardGetStatusChange(context, 250, states)
            if rc not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                _check(rc, f"cannot watch reader {reader!r}")
            _name, event_state, _atr = states[0]
            if event_state & wanted:
                return True
            states = [(reader, event_state & ~scard.SCARD_STATE_CHANGED)]
        return False
    finally:
        scard.SCardReleaseContext(context)
