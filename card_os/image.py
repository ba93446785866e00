"""The card image: a declarative JSON document <-> the in-memory card.

`load_image(doc)` validates a document and builds the tree; `dump_image(...)` writes it
back. The canonical text form (`to_json`) has sorted keys, two-space indentation, UTF-8 and
upper-case hex, so load -> save of a canonical document is byte-for-byte identical.
The format is described in docs/internals.md ("Card image").
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from card_os.crypto import ALGORITHMS
from card_os.fs import DF, DF_KINDS, EF, LCS_BYTES, STRUCTURES
from card_os.security import PIN_ENCODINGS, Key, Pin

FORMAT = "sscard-image/1"
PROTOCOLS = ("T=0", "T=1")
#: Historical bytes of the synthetic spec sample (card-spec §3.2) behind a T=0 ATR header.
DEFAULT_ATR = bytes.fromhex("3B6D0000") + bytes.fromhex("00814E43238697159900BF7C7A")
DEFAULT_COS = {"channels": 4}


class ImageError(ValueError):
    """The card image is malformed; the message names the path and what is wrong."""


@dataclass
class Image:
    """A loaded card image: the tree plus card-level settings."""

    mf: DF
    atr: bytes = DEFAULT_ATR
    protocol: str = "T=0"
    profile: dict[str, Any] = field(default_factory=dict)
    cos: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_COS))


class _At:
    """Reads fields of one JSON object, naming the path in every error."""

    def __init__(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            raise ImageError(f"{path}: expected an object, got {type(obj).__name__}")
        self.obj = obj
        self.path = path

    def fail(self, key: str, what: str) -> ImageError:
        return ImageError(f"{self.path}.{key}: {what}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.obj or (self.obj[key] is None and default is None):
            if default is ...:
                raise self.fail(key, "missing")
            return default
        value = self.obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise self.fail(key, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
        return value

    def given(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def int(self, key: str, lo: int, hi: int, default: Any = ...) -> Any:
        value = self.get(key, int, default)
        if self.given(key) and not lo <= value <= hi:
            raise self.fail(key, f"{value} outside {lo}..{hi}")
        return value

    def hex(self, key: str, default: Any = ..., length: int | None = None) -> Any:
        text = self.get(key, str, default)
        if text is None or text is default:
            return text
        return _hex(text, f"{self.path}.{key}", length)

    def choice(self, key: str, options: tuple[str, ...], default: Any = ...) -> Any:
        value = self.get(key, str, default)
        if self.given(key) and value not in options:
            raise self.fail(key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        unknown = sorted(set(self.obj) - set(allowed))
        if unknown:
            raise ImageError(f"{self.path}: unknown field(s) {', '.join(unknown)}")


def _hex(text: str, path: str, length: int | None = None) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise ImageError(f"{path}: {text!r} is not hex") from None
    if length is not None and len(value) != length:
        raise ImageError(f"{path}: expected {length} bytes, got {len(value)}")
    return value


#: FIDs no file below the MF may have (ISO/IEC 7816-4 §7.1.1).
RESERVED_FIDS = (0x3F00, 0x3FFF, 0xFFFF)


def _fid(at: _At, is_root: bool) -> int | None:
    raw = at.hex("fid", ... if is_root else None, length=2)
    fid = None if raw is None else int.from_bytes(raw, "big")
    if not is_root and fid in RESERVED_FIDS:
        raise at.fail("fid", f"{fid:04X} is reserved")
    return fid


_DF_FIELDS = (
    "kind",
    "fid",
    "name",
    "lcs",
    "acl",
    "pins",
    "keys",
    "app",
    "app_state",
    "fci_proprietary",
    "note",
    "children",
)
_EF_FIELDS = (
    "kind",
    "structure",
    "fid",
    "sfi",
    "lcs",
    "acl",
    "note",
    "size",
    "data",
    "record_size",
    "max_records",
    "records",
)


def _acl(at: _At) -> dict[str, str]:
    acl = at.get("acl", dict, {})
    for op, rule in acl.items():
        if not isinstance(rule, str):
            raise at.fail(f"acl.{op}", f"expected a rule string, got {rule!r}")
    return acl


def _load_pin(obj: Any, path: str) -> Pin:
    at = _At(obj, path)
    at.check_keys(
        (
            "ref",
            "value",
            "encoding",
            "min_len",
            "max_len",
            "max_tries",
            "tries_left",
            "unblock",
        )
    )
    encoding = at.choice("encoding", PIN_ENCODINGS, "bcd")
    max_tries = at.int("max_tries", 1, 15, 3)
    unblock = _At(at.get("unblock", dict, {}), f"{path}.unblock")
    unblock.check_keys(("puk_ref", "key_ref"))
    value = at.get("value", str)
    pin = Pin(
        at.int("ref", 0, 0xFF),
        "0",
        encoding=encoding,
        min_len=at.int("min_len", 1, 16, 4),
        max_len=at.int("max_len", 1, 16, 16),
        max_tries=max_tries,
        tries_left=at.int("tries_left", 0, max_tries, max_tries),
        puk_ref=unblock.int("puk_ref", 0, 0xFF, None),
        unblock_key_ref=unblock.int("key_ref", 0, 0xFF, None),
    )
    if not pin.acceptable(value):
        raise ImageError(f"{path}.value: not a {encoding} PIN of {pin.min_len}..{pin.max_len}")
    pin.value = value
    return pin


def _load_key(obj: Any, path: str) -> Key:
    at = _At(obj, path)
    at.check_keys(("ref", "algorithm", "usage", "value", "max_tries", "tries_left"))
    algorithm = at.choice("algorithm", ALGORITHMS)
    value = at.hex("value")
    sizes = {"3des": (16, 24), "des": (8,), "sm4": (16,)}[algorithm]
    if len(value) not in sizes:
        raise at.fail("value", f"a {algorithm} key has {' or '.join(map(str, sizes))} bytes")
    usage = at.get("usage", list, [])
    if not all(isinstance(u, str) for u in usage):
        raise at.fail("usage", "expected a list of strings")
    max_tries = at.int("max_tries", 1, 15, 15)
    return Key(
        at.int("ref", 0, 0xFF),
        algorithm,
        value,
        usage=tuple(usage),
        max_tries=max_tries,
        tries_left=at.int("tries_left", 0, max_tries, max_tries),
    )


def _load_node(obj: Any, path: str, is_root: bool) -> DF | EF:
    at = _At(obj, path)
    kind = at.get("kind", str)
    if kind == "MF" and not is_root:
        raise at.fail("kind", "only the root is the MF")
    if kind in DF_KINDS:
        return _load_df(at, kind, is_root)
    if kind == "EF" and not is_root:
        return _load_ef(at)
    raise at.fail("kind", f"{kind!r} is not one of {', '.join((*DF_KINDS, 'EF'))}")


def _load_df(at: _At, kind: str, is_root: bool) -> DF:
    at.check_keys(_DF_FIELDS)
    name = at.hex("name", None)
    if name is not None and not 1 <= len(name) <= 16:
        raise at.fail("name", f"a DF name has 1..16 bytes, got {len(name)}")
    fid = _fid(at, is_root)
    if is_root and fid != 0x3F00:
        raise at.fail("fid", "the MF has FID 3F00")
    app = at.get("app", str, None)
    if app is not None and not app.isidentifier():
        raise at.fail("app", f"{app!r} is not a module name")
    try:
        df = DF(
            fid,
            kind=kind,
            name=name,
            lcs=at.choice("lcs", tuple(LCS_BYTES), "operational"),
            acl=_acl(at),
            app=app,
            app_state=copy.deepcopy(at.get("app_state", dict, {})),
            fci_proprietary=at.hex("fci_proprietary", None),
        )
    except ValueError as exc:
        raise ImageError(f"{at.path}: {exc}") from None
    df.note = at.get("note", str, None)
    try:
        for i, pin in enumerate(at.get("pins", list, [])):
            df.add_pin(_load_pin(pin, f"{at.path}.pins[{i}]"))
        for i, key in enumerate(at.get("keys", list, [])):
            df.add_key(_load_key(key, f"{at.path}.keys[{i}]"))
        for i, child in enumerate(at.get("children", list, [])):
            df.add(_load_node(child, f"{at.path}.children[{i}]", False))
    except ValueError as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{at.path}: {exc}") from None
    return df


def _load_ef(at: _At) -> EF:
    at.check_keys(_EF_FIELDS)
    structure = at.choice("structure", tuple(STRUCTURES))
    common = {
        "sfi": at.int("sfi", 1, 30, None),
        "lcs": at.choice("lcs", tuple(LCS_BYTES), "operational"),
    }
    fid = _fid(at, False)
    if fid is None and common["sfi"] is None:
        raise at.fail("fid", "an EF needs a FID or an SFI")
    try:
        acl = _acl(at)
        if structure == "transparent":
            size = at.int("size", 0, 0x7FFF)
            data = at.hex("data", "")
            data = b"" if data == "" else data
            if len(data) > size:
                raise at.fail("data", f"{len(data)} bytes exceed size {size}")
            ef = EF(fid, structure, size=size, data=data.ljust(size, b"\x00"), acl=acl, **common)
        else:
            record_size = at.int("record_size", 1, 0xFF)
            max_records = at.int("max_records", 1, 0xFE)
            records = []
            for i, text in enumerate(at.get("records", list, [])):
                if not isinstance(text, str):
                    raise at.fail(f"records[{i}]", "expected a hex string")
                record = _hex(text, f"{at.path}.records[{i}]")
                if not record or len(record) > record_size:
                    raise at.fail(f"records[{i}]", f"a record has 1..{record_size} bytes")
                if structure != "linear_variable" and len(record) != record_size:
                    raise at.fail(f"records[{i}]", f"{structure} records have {record_size} bytes")
                records.append(record)
            if len(records) > max_records:
                raise at.fail("records", f"{len(records)} records exceed max_records {max_records}")
            ef = EF(
                fid,
                structure,
                record_size=record_size,
                max_records=max_records,
                records=tuple(records),
                acl=acl,
                **common,
            )
    except ValueError as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{at.path}: {exc}") from None
    ef.note = at.get("note", str, None)
    return ef


def load_image(doc: Any) -> Image:
    """Validate `doc` (a parsed card image) and build the card tree; ImageError when malformed."""
    at = _At(doc, "image")
    at.check_keys(("format", "atr", "protocol", "profile", "cos", "mf"))
    fmt = at.get("format", str, FORMAT)
    if fmt != FORMAT:
        raise at.fail("format", f"{fmt!r} is not {FORMAT!r}")
    cos = dict(DEFAULT_COS)
    cos.update(at.get("cos", dict, {}))
    cos_at = _At(cos, "image.cos")
    cos_at.check_keys(tuple(DEFAULT_COS))
    cos_at.int("channels", 1, 20)
    mf = _load_node(at.get("mf", dict), "image.mf", True)
    assert isinstance(mf, DF)
    return Image(
        mf=mf,
        atr=at.hex("atr", DEFAULT_ATR.hex()) if "atr" in doc else DEFAULT_ATR,
        protocol=at.choice("protocol", PROTOCOLS, "T=0"),
        profile=copy.deepcopy(at.get("profile", dict, {})),
        cos=cos,
    )


def _h(value: bytes | None) -> str | None:
    return None if value is None else value.hex().upper()


def _fid_hex(fid: int | None) -> str | None:
    return None if fid is None else f"{fid:04X}"


def _dump_pin(pin: Pin) -> dict[str, Any]:
    return {
        "ref": pin.ref,
        "value": pin.value,
        "encoding": pin.encoding,
        "min_len": pin.min_len,
        "max_len": pin.max_len,
        "max_tries": pin.max_tries,
        "tries_left": pin.tries_left,
        "unblock": {"puk_ref": pin.puk_ref, "key_ref": pin.unblock_key_ref},
    }


def _dump_key(key: Key) -> dict[str, Any]:
    return {
        "ref": key.ref,
        "algorithm": key.algorithm,
        "usage": list(key.usage),
        "value": _h(key.value),
        "max_tries": key.max_tries,
        "tries_left": key.tries_left,
    }


def dump_node(node: DF | EF) -> dict[str, Any]:
    """The image object of one file (and, for a DF, its subtree)."""
    if isinstance(node, DF):
        return {
            "kind": node.kind,
            "fid": _fid_hex(node.fid),
            "name": _h(node.name),
            "lcs": node.lcs,
            "acl": dict(node.acl),
            "pins": [_dump_pin(p) for p in node.pins.values()],
            "keys": [_dump_key(k) for k in node.keys.values()],
            "app": node.app,
            "app_state": copy.deepcopy(node.app_state),
            "fci_proprietary": _h(node.fci_proprietary),
            "note": node.note,
            "children": [dump_node(c) for c in node.children],
        }
    out: dict[str, Any] = {
        "kind": "EF",
        "structure": node.structure,
        "fid": _fid_hex(node.fid),
        "sfi": node.sfi,
        "lcs": node.lcs,
        "acl": dict(node.acl),
        "note": node.note,
    }
    if node.structure == "transparent":
        out["size"] = node.size
        out["data"] = _h(node.data)
    else:
        out["record_size"] = node.record_size
        out["max_records"] = node.max_records
        out["records"] = [_h(r) for r in node.records]
    return out


def dump_image(image: Image) -> dict[str, Any]:
    """The JSON-ready document of `image`."""
    return {
        "format": FORMAT,
        "atr": _h(image.atr),
        "protocol": image.protocol,
        "profile": copy.deepcopy(image.profile),
        "cos": dict(image.cos),
        "mf": dump_node(image.mf),
    }


def to_json(doc: dict[str, Any]) -> str:
    """Canonical text of an image document (sorted keys, indent 2, UTF-8, trailing newline)."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def parse_json(text: str | bytes) -> Any:
    """Parse image text; ImageError when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"image: not valid JSON ({exc})") from None
