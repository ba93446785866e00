"""`Card`: the card OS as bytes in, bytes out, and its dispatcher.

The dispatcher parses the APDU, picks the logical channel's context, offers the command to
the channel's application, then to the ISO handler for its INS, and turns the result into
data + SW applying the T=0 or T=1 rules in one place. `transmit` never raises: malformed
input gets its status word, a power cut from the tear hook leaves the card mute, and an
unexpected fault in a handler answers 6F00 (and is counted in `internal_errors`).
"""

from __future__ import annotations

import importlib.util
import random
from typing import Any

from card_os.apdu import parse_command
from card_os.apps.base import Application, load_application_class
from card_os.commands import HANDLERS, SM_INS
from card_os.commands.get_response import get_response, more
from card_os.context import Context
from card_os.fs import DF
from card_os.image import (
    Image,
    ImageError,
    dump_image,
    load_image,
    parse_json,
    to_json,
)
from card_os.nvm import Nvm, PowerCut
from card_os.sw import CardError
from card_os.types import SW

_SW_CACHE: dict[SW, bytes] = {}


def sw_bytes(sw: SW) -> bytes:
    """The two status bytes of `sw` (cached: status words repeat)."""
    out = _SW_CACHE.get(sw)
    if out is None:
        out = _SW_CACHE[sw] = sw.to_bytes(2, "big")
    return out


_OK = b"\x90\x00"
_NO_CHANNEL = b"\x68\x81"


class Card:
    """A card running one image.

    `rng` is the card's only random source (challenges); it defaults to `random.Random(0)`
    so that runs are reproducible. A new card is unpowered: call `power_on()` (a Transport
    does this on `connect`). An unpowered card answers nothing (`transmit` returns b"").
    """

    def __init__(self, image: dict[str, Any], rng: random.Random | None = None) -> None:
        loaded = load_image(image)
        self._image: Image = loaded
        self.mf: DF = loaded.mf
        self.rng = rng if rng is not None else random.Random(0)
        self.nvm = Nvm()
        self.channel_count: int = loaded.cos["channels"]
        #: DFs with a name, depth first: the search order of SELECT by DF name.
        self.named_dfs: list[DF] = [df for df in self.mf.walk() if df.name is not None]
        self._apps: dict[DF, Application | None] = {}
        self._check_applications()
        self._channels: list[Context | None] = [None] * self.channel_count
        self._powered = False
        self._t0 = loaded.protocol == "T=0"
        self.internal_errors = 0
        self.last_internal_error: BaseException | None = None

    # -- construction and images -----------------------------------------------------------

    @classmethod
    def from_json(cls, text: str | bytes, rng: random.Random | None = None) -> Card:
        """A card from image text; ImageError when the text or the image is malformed."""
        return cls(parse_json(text), rng)

    def to_image(self) -> dict[str, Any]:
        """The card's current image (persistent state only) as a JSON-ready dict.

        An unfinished commit left by a power cut is rolled back first, as the card itself
        does at the next power-on, so an image is always consistent."""
        self.nvm.recover()
        return dump_image(self._image)

    def to_json(self) -> str:
        """The canonical image text; `Card.from_json(t).to_json() == t` for canonical `t`."""
        return to_json(self.to_image())

    def _check_applications(self) -> None:
        for df in self.mf.walk():
            if df.app is not None and importlib.util.find_spec(f"card_os.apps.{df.app}") is None:
                raise ImageError(f"{df.label}: no application module card_os.apps.{df.app}")

    @property
    def atr(self) -> bytes:
        return self._image.atr

    @property
    def profile(self) -> dict[str, Any]:
        """The issuer profile carried by the image (opaque to the card OS)."""
        return self._image.profile

    @property
    def protocol(self) -> str:
        """ "T=0" or "T=1": how responses are delivered (61xx/6Cxx rules)."""
        return self._image.protocol

    @protocol.setter
    def protocol(self, value: str) -> None:
        if value not in ("T=0", "T=1"):
            raise ValueError(f"protocol must be 'T=0' or 'T=1', got {value!r}")
        self._image.protocol = value
        self._t0 = value == "T=0"

    # -- power -----------------------------------------------------------------------------

    @property
    def powered(self) -> bool:
        return self._powered

    def power_on(self) -> bytes:
        """Power the card (cold reset) and return the ATR; an unfinished commit is rolled back."""
        self.nvm.recover()
        self._powered = True
        self._fresh_channels()
        return self._image.atr

    def reset(self) -> bytes:
        """Warm reset: volatile state (selection, security, challenge) is cleared."""
        return self.power_on()

    def power_off(self) -> None:
        """Remove power: all volatile state is lost."""
        self._powered = False
        self._channels = [None] * self.channel_count

    def _fresh_channels(self) -> None:
        self._channels = [None] * self.channel_count
        self._channels[0] = Context(self, 0, self.mf)

    # -- channels and applications ---------------------------------------------------------

    def channel(self, number: int) -> Context | None:
        """The context of open logical channel `number`, or None."""
        return self._channels[number] if 0 <= number < self.channel_count else None

    def free_channel(self) -> int | None:
        """The lowest closed channel number, or None when all are open."""
        for number in range(1, self.channel_count):
            if self._channels[number] is None:
                return number
        return None

    def open_channel(self, number: int, source: Context) -> Context:
        """Open channel `number` from `source` (ISO/IEC 7816-4 §11.1.2): from the basic
        channel the MF is selected with an empty security state; from another channel the
        new one inherits its selection and security state."""
        ctx = Context(self, number, self.mf)
        if source.number != 0:
            ctx.select_df(source.df)
            ctx.ef, ctx.record = source.ef, source.record
            ctx.security = source.security.copy()
        self._channels[number] = ctx
        return ctx

    def close_channel(self, number: int) -> None:
        self._channels[number] = None

    def application_for(self, df: DF) -> Application | None:
        """The application of `df` or its nearest ancestor with one (instantiated once)."""
        try:
            return self._apps[df]
        except KeyError:
            pass
        owner: DF | None = df
        while owner is not None and owner.app is None:
            owner = owner.parent
        if owner is None:
            app = None
        elif owner is df:
            app = load_application_class(df.app)(df, self)  # type: ignore[arg-type]
        else:
            app = self.application_for(owner)
        self._apps[df] = app
        return app

    # -- the dispatcher --------------------------------------------------------------------

    def transmit(self, apdu: bytes) -> bytes:
        """Process one command APDU and return response data + SW. Never raises."""
        if not self._powered:
            return b""
        try:
            return self._process(apdu)
        except PowerCut:
            self.power_off()
            return b""
        except Exception as exc:  # a fault in a handler must not reach the terminal
            self.internal_errors += 1
            self.last_internal_error = exc
            return b"\x6f\x00"

    def _process(self, apdu: bytes) -> bytes:
        try:
            cmd = parse_command(apdu)
        except CardError as exc:
            return sw_bytes(exc.sw)
        info = cmd.cls
        number = info.channel  # type: ignore[union-attr]
        ctx = self._channels[number] if number < self.channel_count else None
        if ctx is None:
            return _NO_CHANNEL
        try:
            if info.chaining:  # type: ignore[union-attr]
                raise CardError(0x6884)
            if cmd.ins == 0xC0 and info.iso_ok:  # type: ignore[union-attr]
                return get_response(ctx, cmd, self._t0)
            ctx.pending = None
            if info.sm:  # type: ignore[union-attr]
                data = cmd.data
                if len(data) < 4:
                    raise CardError(0x6987)
                cmd.mac = data[-4:]
                cmd.data = data[:-4]
            app = ctx.app
            out = None if app is None else app.handle(ctx, cmd)
            if out is None:
                if not info.iso_ok:  # type: ignore[union-attr]
                    raise CardError(0x6E00)
                handler = HANDLERS.get(cmd.ins)
                if handler is None:
                    raise CardError(0x6D00)
                if cmd.mac is not None and cmd.ins not in SM_INS:
                    raise CardError(0x6882)  # a MAC nobody would verify is refused
                out = handler(ctx, cmd)
        except CardError as exc:
            data = exc.data
            # Under T=0 only a case-2 command can carry data back with its status word.
            if data and (cmd.case == 2 or not self._t0):
                return data + sw_bytes(exc.sw)
            return sw_bytes(exc.sw)
        if not out:
            return _OK
        return self._deliver(ctx, cmd.case, cmd.le, out)

    def _deliver(self, ctx: Context, case: int, ne: int | None, out: bytes) -> bytes:
        """Apply the protocol's rules for returning `out` (SW 9000)."""
        n = len(out)
        if self._t0:
            if case != 2:  # the TPDU had no Le: data waits for GET RESPONSE
                ctx.pending = out
                return more(n)
            if n == ne:
                return out + _OK
            if n <= 256:
                return bytes((0x6C, n & 0xFF))
            ctx.pending = out[ne:]
            return out[:ne] + more(n - ne)  # type: ignore[operator]
        if ne is None:
            return _OK  # T=1: an absent Le field means no response data (ISO 7816-4 §5.1)
        if n <= ne:
            return out + _OK
        if n <= 256:
            return bytes((0x6C, n & 0xFF))
        ctx.pending = out[ne:]
        return out[:ne] + more(n - ne)
