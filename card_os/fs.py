"""The file tree: DFs (MF, DDF, ADF) and EFs (transparent, linear fixed, linear variable,
cyclic), short file identifiers, life-cycle states, and FCP/FCI/FMD templates.

Persistent attributes (`data`, `records`, `lcs`, `app_state`, `fci_proprietary`) hold
immutable values and change only through the card's `Nvm`.
"""

from __future__ import annotations

from typing import Any

from card_os.access import Rule, compile_acl
from card_os.security import Key, Pin
from card_os.tlv import tlv
from card_os.types import Fid, KeyRef, PinRef, Sfi

#: Life-cycle status name -> LCS byte (ISO/IEC 7816-4 §5.3.3.2, tag 8A).
LCS_BYTES = {
    "creation": 0x01,
    "initialisation": 0x03,
    "operational": 0x05,
    "deactivated": 0x04,
    "terminated": 0x0C,
}

#: EF structure -> file descriptor byte (tag 82, ISO/IEC 7816-4 table 14).
STRUCTURES = {"transparent": 0x01, "linear_fixed": 0x02, "linear_variable": 0x04, "cyclic": 0x06}
DF_KINDS = ("MF", "DF", "DDF", "ADF")
DF_DESCRIPTOR = 0x38


class DF:
    """A dedicated file: the MF, a DDF or an ADF, with its PINs, keys and application."""

    __slots__ = (
        "_templates",
        "acl",
        "app",
        "app_state",
        "child_by_fid",
        "children",
        "ef_by_sfi",
        "fci_proprietary",
        "fid",
        "keys",
        "kind",
        "lcs",
        "lineage",
        "name",
        "note",
        "parent",
        "pins",
        "rules",
    )

    is_df = True

    def __init__(
        self,
        fid: Fid | None,
        *,
        kind: str = "DF",
        name: bytes | None = None,
        lcs: str = "operational",
        acl: dict[str, str] | None = None,
        app: str | None = None,
        app_state: dict[str, Any] | None = None,
        fci_proprietary: bytes | None = None,
    ) -> None:
        self.fid = fid
        self.kind = kind
        self.name = name
        self.lcs = lcs
        self.acl = dict(acl or {})
        self.rules: dict[str, Rule] = compile_acl(self.acl)
        self.app = app
        self.app_state: dict[str, Any] = dict(app_state or {})
        self.fci_proprietary = fci_proprietary
        self.pins: dict[PinRef, Pin] = {}
        self.keys: dict[KeyRef, Key] = {}
        self.children: list[DF | EF] = []
        self.child_by_fid: dict[Fid, DF | EF] = {}
        self.ef_by_sfi: dict[Sfi, EF] = {}
        self.parent: DF | None = None
        self.lineage: frozenset[DF] = frozenset((self,))
        self.note: str | None = None
        self._templates: dict[tuple[int, str], bytes] = {}

    def add(self, child: DF | EF) -> None:
        """Attach `child`; ValueError on a duplicate FID or SFI."""
        if child.fid is not None and child.fid in self.child_by_fid:
            raise ValueError(f"duplicate FID {child.fid:04X} under {self.label}")
        if isinstance(child, EF) and child.sfi is not None:
            if child.sfi in self.ef_by_sfi:
                raise ValueError(f"duplicate SFI {child.sfi} under {self.label}")
            self.ef_by_sfi[child.sfi] = child
        if child.fid is not None:
            self.child_by_fid[child.fid] = child
        self.children.append(child)
        child.parent = self
        if isinstance(child, DF):
            child._set_lineage(self.lineage)

    def _set_lineage(self, ancestors: frozenset[DF]) -> None:
        # Subtrees are built bottom-up when an image loads: refresh the whole subtree.
        self.lineage = ancestors | {self}
        for child in self.children:
            if isinstance(child, DF):
                child._set_lineage(self.lineage)

    def add_pin(self, pin: Pin) -> None:
        if pin.ref in self.pins:
            raise ValueError(f"duplicate PIN reference {pin.ref} in {self.label}")
        pin.owner = self
        self.pins[pin.ref] = pin

    def add_key(self, key: Key) -> None:
        if key.ref in self.keys:
            raise ValueError(f"duplicate key reference {key.ref} in {self.label}")
        key.owner = self
        self.keys[key.ref] = key

    def find_pin(self, ref: PinRef) -> Pin | None:
        """PIN `ref` of this DF or the nearest ancestor defining it."""
        df: DF | None = self
        while df is not None:
            pin = df.pins.get(ref)
            if pin is not None:
                return pin
            df = df.parent
        return None

    def find_key(self, ref: KeyRef) -> Key | None:
        """Key `ref` of this DF or the nearest ancestor defining it."""
        df: DF | None = self
        while df is not None:
            key = df.keys.get(ref)
            if key is not None:
                return key
            df = df.parent
        return None

    def walk(self) -> list[DF]:
        """This DF and every DF below it, depth first in document order."""
        out = [self]
        for child in self.children:
            if isinstance(child, DF):
                out.extend(child.walk())
        return out

    @property
    def label(self) -> str:
        if self.name is not None:
            return f"DF {self.name.hex().upper()}"
        return f"DF {self.fid:04X}" if self.fid is not None else "DF"

    def template(self, kind: int) -> bytes:
        """The FCI (6F), FCP (62) or FMD (64) template of this DF."""
        key = (kind, self.lcs)
        cached = self._templates.get(key)
        if cached is None:
            cached = self._templates[key] = _df_template(self, kind)
        return cached

    def invalidate(self) -> None:
        """Forget cached templates (after a change of name, LCS or proprietary data)."""
        self._templates.clear()

    def __repr__(self) -> str:
        return f"<{self.kind} {self.label}>"


class EF:
    """An elementary file: transparent data or a sequence of records."""

    __slots__ = (
        "_templates",
        "acl",
        "data",
        "fid",
        "lcs",
        "max_records",
        "note",
        "parent",
        "record_size",
        "records",
        "rules",
        "sfi",
        "size",
        "structure",
    )

    is_df = False

    def __init__(
        self,
        fid: Fid | None,
        structure: str,
        *,
        sfi: Sfi | None = None,
        size: int = 0,
        data: bytes = b"",
        record_size: int = 0,
        max_records: int = 0,
        records: tuple[bytes, ...] = (),
        lcs: str = "operational",
        acl: dict[str, str] | None = None,
    ) -> None:
        if structure not in STRUCTURES:
            raise ValueError(f"unknown EF structure {structure!r}")
        self.fid = fid
        self.structure = structure
        self.sfi = sfi
        self.size = size
        self.data = data
        self.record_size = record_size
        self.max_records = max_records
        self.records = tuple(records)
        self.lcs = lcs
        self.acl = dict(acl or {})
        self.rules: dict[str, Rule] = compile_acl(self.acl)
        self.parent: DF | None = None
        self.note: str | None = None
        self._templates: dict[tuple[int, str], bytes] = {}

    @property
    def is_records(self) -> bool:
        return self.structure != "transparent"

    @property
    def label(self) -> str:
        return f"EF {self.fid:04X}" if self.fid is not None else f"EF SFI {self.sfi}"

    def template(self, kind: int) -> bytes:
        """The FCI (6F), FCP (62) or FMD (64) template of this EF."""
        key = (kind, self.lcs)
        cached = self._templates.get(key)
        if cached is None:
            cached = self._templates[key] = _ef_template(self, kind)
        return cached

    def invalidate(self) -> None:
        self._templates.clear()

    def __repr__(self) -> str:
        return f"<EF {self.label} {self.structure}>"


def _lcs(node: DF | EF) -> bytes:
    """The life-cycle status data object (8A)."""
    return tlv(0x8A, bytes((LCS_BYTES[node.lcs],)))


def _ef_template(ef: EF, kind: int) -> bytes:
    fdb = STRUCTURES[ef.structure]
    if ef.is_records:
        # FDB, data coding byte 21, maximum record size (2 bytes), number of records.
        descriptor = (
            bytes((fdb, 0x21)) + ef.record_size.to_bytes(2, "big") + bytes((ef.max_records & 0xFF,))
        )
        size = ef.record_size * ef.max_records
    else:
        descriptor = bytes((fdb,))
        size = ef.size
    if kind == 0x64:
        return tlv(0x64, b"")
    body = tlv(0x82, descriptor)
    if ef.fid is not None:
        body += tlv(0x83, ef.fid.to_bytes(2, "big"))
    body += tlv(0x80, size.to_bytes(2, "big"))
    if ef.sfi is not None:
        body += tlv(0x88, bytes((ef.sfi << 3,)))  # b8-b4 carry the SFI
    body += _lcs(ef)
    return tlv(kind, body)


def _df_template(df: DF, kind: int) -> bytes:
    prop = tlv(0xA5, df.fci_proprietary) if df.fci_proprietary is not None else b""
    name = tlv(0x84, df.name) if df.name is not None else b""
    fid = tlv(0x83, df.fid.to_bytes(2, "big")) if df.fid is not None else b""
    if kind == 0x6F:
        # Application-style FCI: DF name and proprietary data (EMV, card-spec §2.1 611E);
        # a DF without a name is identified by its FID instead.
        return tlv(0x6F, (name or fid) + prop)
    if kind == 0x64:
        return tlv(0x64, name)
    body = tlv(0x82, bytes((DF_DESCRIPTOR,))) + fid + name + _lcs(df) + prop
    return tlv(0x62, body)
