"""`sscard card new` and `sscard card show`: make a personalised card image, and read one."""

from __future__ import annotations

import datetime as dt
import json
import random
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from card_os.atr import AtrError, Historical, parse_atr
from card_os.card import Card
from card_os.codecs import CodecError
from card_os.image import ImageError
from card_os.ssse.layouts import EF0D, EF05, EF06, EfLayout, RecordField, decode_value
from card_os.ssse.personalise import (
    SSSE_AID,
    Personalisation,
    PersonaliseError,
    build_card_image,
)
from card_os.ssse.profile import IssuerProfile, ProfileError
from card_os.tlv import find_tlv
from emulator.population import ETHNIC_GROUPS, REGIONS, PopulationError, make_cardholder, mask_id

__all__ = ["new", "show"]


class Kind(StrEnum):
    formal = "formal"
    temporary = "temporary"


class State(StrEnum):
    active = "active"
    app_locked = "app_locked"
    pin_blocked = "pin_blocked"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _default_issue_date(seed: int) -> dt.date:
    # Deterministic for a seed (no wall clock): a day in 2024-2025.
    return dt.date(2024, 1, 1) + dt.timedelta(days=random.Random(seed).randrange(700))


def new(
    output: Annotated[Path, typer.Option("-o", "--output", help="card image file to write")],
    generation: Annotated[
        int | None, typer.Option(help="2 (3DES, contact) or 3 (SM4, dual interface)")
    ] = None,
    kind: Annotated[Kind, typer.Option(help="formal card or temporary card")] = Kind.formal,
    region: Annotated[str, typer.Option(help="issuing area, GB/T 2260 code")] = "500100",
    seed: Annotated[int, typer.Option(help="seed of the synthetic cardholder and keys")] = 1,
    profile: Annotated[
        Path | None, typer.Option(help="issuer profile (YAML or JSON)", exists=False)
    ] = None,
    state: Annotated[State, typer.Option(help="life-cycle state of the card")] = State.active,
    issued: Annotated[
        str | None, typer.Option(help="issue date YYYY-MM-DD (default derived from the seed)")
    ] = None,
) -> None:
    """Personalise a card for one synthetic cardholder, the same for the same seed."""
    overrides: dict[str, Any] = {}
    if generation is not None:
        if generation not in (2, 3):
            raise _fail(f"--generation must be 2 or 3, got {generation}")
        overrides["generation"] = generation
    try:
        text = profile.read_text(encoding="utf-8") if profile else ""
    except OSError as exc:
        raise _fail(f"cannot read --profile {profile}: {exc.strerror}") from None
    try:
        issuer = IssuerProfile.from_text(text, overrides)
        issue_date = dt.date.fromisoformat(issued) if issued else _default_issue_date(seed)
        holder = make_cardholder(seed, region)
        image = build_card_image(
            holder,
            issuer,
            Personalisation(
                region=region, seed=seed, issued=issue_date, kind=kind.value, state=state.value
            ),
        )
        # Load it once in the card OS: validates the image and writes its canonical form,
        # so save and load round-trip byte for byte.
        text = Card(image).to_json()
    except (ProfileError, PopulationError, PersonaliseError, CodecError, ImageError) as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:  # date.fromisoformat, region code
        raise _fail(f"bad value: {exc}") from None
    try:
        output.write_text(text, "utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror}") from None
    Console().print(
        f"wrote {output}: generation {issuer.generation} {kind.value} card, "
        f"{holder.name} ({mask_id(holder.citizen_id)}), card number {holder.card_number}"
    )


def _child(df: dict, fid: str) -> dict | None:
    return next((c for c in df.get("children", []) if c.get("fid") == fid), None)


def _decode_records(ef: dict, layout: EfLayout, pad: int) -> dict[int, object]:
    fields: dict[int, RecordField] = {f.tag: f for f in layout.records}
    out: dict[int, object] = {}
    for record in ef.get("records", []):
        raw = bytes.fromhex(record)
        tag, length, value = raw[0], raw[1], raw[2 : 2 + raw[1]]
        field = fields.get(tag)
        if field is None or len(value) != length:
            out[tag] = raw.hex().upper()
            continue
        out[tag] = decode_value(field, value, pad)
    return out


def _show_value(tag: int, value: object) -> str:
    if tag == 0x08 and isinstance(value, str):
        return mask_id(value)
    if tag == 0x0A:
        return {"1": "1 (男)", "2": "2 (女)"}.get(str(value), str(value))
    if tag == 0x0B and isinstance(value, int):
        return f"{value:02d} ({ETHNIC_GROUPS.get(value, '?')})"
    if tag == 0x0C and isinstance(value, str):
        return f"{value} ({REGIONS.get(value, '?')})"
    if isinstance(value, bytes):
        return value.hex().upper()
    return "" if value is None else str(value)


def show(image_file: Annotated[Path, typer.Argument(help="card image JSON")]) -> None:
    """Decode a card image into a readable table (the ID number is masked)."""
    try:
        image = json.loads(image_file.read_text(encoding="utf-8"))
        mf = image["mf"]
        atr = bytes.fromhex(image["atr"])
    except OSError as exc:
        raise _fail(f"cannot read {image_file}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{image_file} is not a card image: {exc}") from None
    console = Console()
    meta = image.get("profile", {})
    issuer = meta.get("issuer", {})
    pad = int(issuer.get("name_ext_pad", 0))
    table = Table(title=f"card {image_file.name}", show_lines=False)
    table.add_column("item")
    table.add_column("value")
    table.add_row("ATR", image["atr"])
    try:
        historical, protocols = parse_atr(atr)
        hist = Historical.from_bytes(historical)
        table.add_row(
            "  chip maker / COS", f"{hist.chip_maker.hex().upper()} / {hist.cos.hex().upper()}"
        )
        table.add_row(
            "  card maker / made / serial",
            f"{hist.card_maker.hex().upper()} / {hist.made} / {hist.serial.hex().upper()}",
        )
        table.add_row("  protocols", ", ".join(f"T={p}" for p in protocols))
    except AtrError as exc:
        table.add_row("  (ATR)", f"[red]{exc}[/red]")
    for key in ("generation", "kind", "state", "region"):
        if key in meta:
            table.add_row(key, str(meta[key]))
    ssse = next(
        (
            c
            for c in mf.get("children", [])
            if (c.get("name") or "").upper() == SSSE_AID.hex().upper()
        ),
        None,
    )
    if ssse is None:
        table.add_row("SSSE", "[red]absent[/red]")
        console.print(table)
        return
    table.add_row("SSSE FCI (9F0C)", ssse.get("fci_proprietary", ""))
    for layout in (EF05, EF06, EF0D):
        ef = _child(ssse, f"{layout.fid:04X}")
        if ef is None:
            continue
        table.add_section()
        table.add_row(
            f"[bold]{layout.name} EF{layout.fid & 0xFF:02X}[/bold]",
            f"read: {ef['acl'].get('read')}",
        )
        values = _decode_records(ef, layout, pad)
        for field in layout.records:
            table.add_row(
                f"  {field.tag:02X} {field.name}", _show_value(field.tag, values.get(field.tag))
            )
        if layout is EF06:
            full = f"{values.get(0x09) or ''}{values.get(0x4E) or ''}"
            table.add_row("  full name (姓名‖姓名扩展)", full)
    for pin in ssse.get("pins", []):
        table.add_row(f"PIN {pin['ref']}", f"tries left {pin['tries_left']}/{pin['max_tries']}")
    table.add_row(
        "keys", ", ".join(f"{k['ref']:02X} ({k['algorithm']})" for k in ssse.get("keys", []))
    )
    table.add_row("application locked", str(bool(ssse.get("app_state", {}).get("locked"))))
    try:
        layouts = IssuerProfile.from_mapping(issuer).df_layouts if issuer else []
    except ProfileError:
        layouts = []
    for layout in layouts:
        df = _child(ssse, f"{layout.fid:04X}")
        if df is None:
            continue
        table.add_section()
        table.add_row(
            f"[bold]DF{layout.fid & 0xFF:02X} {layout.name}[/bold]", f"AID {df.get('name')}"
        )
        for ef_layout in layout.efs:
            ef = _child(df, f"{ef_layout.fid:04X}")
            if ef is None:
                continue
            values = _decode_records(ef, ef_layout, 0)
            for field in ef_layout.records:
                label = f"  EF{ef_layout.fid & 0xFF:02X} {ef_layout.name}/{field.name}"
                table.add_row(label, _show_value(-1, values.get(field.tag)))
    others = [c for c in mf.get("children", []) if c is not ssse]
    if others:
        table.add_section()
        for node in others:
            table.add_row(f"{node.get('kind')} (MF child)", _node_label(node))
            pan = _find_pan(node)
            if pan:
                table.add_row("  PAN (5A, masked)", pan[:6] + "*" * (len(pan) - 10) + pan[-4:])
    console.print(table)


def _node_label(node: dict) -> str:
    """A DF's name as text when printable (PSE/PPSE), else hex (AIDs), plus its app."""
    raw = bytes.fromhex(node.get("name") or "")
    text = raw.decode("ascii", "replace")
    name = text if raw and text.isprintable() else raw.hex().upper()
    return f"{name} {node.get('app') or ''}".strip()


def _find_pan(node: dict) -> str | None:
    """The PAN (tag 5A, BCD F-padded, card-spec §4) in the records of a PBOC ADF."""
    for child in node.get("children", []):
        for record in child.get("records", []) or []:
            try:
                value = find_tlv(bytes.fromhex(record), 0x5A)
            except ValueError:
                continue
            if value:
                return value.hex().upper().rstrip("F")
    return None
