"""`sscard card demo`: a terminal session against an in-process card, APDU by APDU."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from card_os import crypto
from card_os.apdu import PIN_INS
from card_os.card import Card
from card_os.image import ImageError
from card_os.sw import describe
from emulator.transport import InProcessTransport

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §1.1
DEMO_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")  # demo only, not an issuer key
DEMO_FACTOR = bytes.fromhex("0102030405060708")


def _rec(tag: int, value: bytes) -> str:
    return (bytes((tag, len(value))) + value).hex().upper()


def demo_image() -> dict:
    """A small synthetic social security card (spec sample data: 张三 / X00000019)."""
    return {
        "format": "sscard-image/1",
        "protocol": "T=0",
        "profile": {"generation": 3, "kind": "demo"},
        "mf": {
            "kind": "MF",
            "fid": "3F00",
            "children": [
                {
                    "kind": "DDF",
                    "fid": "DDF1",
                    "name": SSSE_AID.hex(),
                    "note": "SSSE 社会保障应用环境",
                    "fci_proprietary": "9F0C03860103",
                    "pins": [{"ref": 0, "value": "123456", "max_tries": 3}],
                    "keys": [
                        {
                            "ref": 10,
                            "algorithm": "sm4",
                            "usage": ["external_auth"],
                            "value": DEMO_KEY.hex(),
                        }
                    ],
                    "children": [
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF05",
                            "sfi": 5,
                            "note": "发卡机构数据文件",
                            "record_size": 32,
                            "max_records": 8,
                            "acl": {"read": "always", "update": "key:10"},
                            "records": [
                                _rec(1, bytes.fromhex("639900D15600000500BF7C7A48FB4966")),
                                _rec(3, b"3.00"),
                                _rec(7, b"X00000019"),
                            ],
                        },
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF06",
                            "sfi": 6,
                            "note": "持卡人基本信息文件",
                            "record_size": 40,
                            "max_records": 8,
                            "acl": {"read": "key:10|pin:0", "update": "key:10"},
                            "records": [
                                _rec(8, b"111111198101011110"),
                                _rec(9, "张三".encode("gbk").ljust(30, b"\x00")),
                            ],
                        },
                    ],
                }
            ],
        },
    }


def _script(protocol: str) -> list[tuple[str, str | None]]:
    """(description, APDU hex); an APDU of None is computed from the last response."""
    # A T=0 TPDU cannot carry Le in case 4; under T=1 the terminal asks for the FCI with Le.
    le = "" if protocol == "T=0" else "00"
    return [
        ("SELECT SSSE by AID", "00A404000F" + SSSE_AID.hex().upper() + le),
        ("READ RECORD 卡识别码 (SFI 5, record 1)", "00B2012C00"),
        ("READ RECORD 规范版本 by identifier 03", "00B2032806"),
        ("READ RECORD 卡号 by identifier 07", "00B207280B"),
        ("READ RECORD 社会保障号码 before any check", "00B2083014"),
        ("VERIFY with a wrong PIN", "0020000003111111"),
        ("VERIFY: tries left", "00200000"),
        ("VERIFY with the right PIN", "0020000003123456"),
        ("READ RECORD 社会保障号码", "00B2083014"),
        ("SELECT MF (leaves the application)", "00A4000C023F00"),
        ("SELECT SSSE again (no response data)", "00A4040C0F" + SSSE_AID.hex().upper()),
        ("READ RECORD 姓名: PIN status was cleared", "00B2093020"),
        ("GET CHALLENGE", "0084000008"),
        ("EXTERNAL AUTHENTICATE key 0A, process factor", None),
        ("READ RECORD 姓名 after key authentication", "00B2093020"),
        ("malformed APDU (Lc says 5, 2 bytes follow)", "00A4040005D156"),
        ("unknown instruction", "00FE000000"),
    ]


def _decode(data: bytes) -> str:
    """A short human reading of a simple-TLV record (GBK/ASCII text when printable)."""
    if len(data) >= 2 and data[1] == len(data) - 2:
        value = data[2:].rstrip(b"\x00")
        for codec in ("ascii", "gbk"):
            try:
                text = value.decode(codec)
            except UnicodeDecodeError:
                continue
            if text.isprintable():
                return f"tag {data[0]:02X}: {text}"
    return ""


def _shown_data(description: str, data: bytes) -> str:
    """Response data as hex with a human reading; ID numbers are masked in both."""
    if not data:
        return ""
    text = _decode(data)
    if "社会保障号码" in description and text:
        return f"{data[:2].hex().upper()}…  ({text[:-12]}{'*' * 8}{text[-4:]})"
    return data.hex().upper() + (f"  ({text})" if text else "")


def _shown(apdu: bytes) -> str:
    """The APDU as hex, with PIN data replaced by asterisks."""
    if len(apdu) > 5 and apdu[1] in PIN_INS:
        return apdu[:5].hex().upper() + "*" * (2 * (len(apdu) - 5))
    return apdu.hex().upper()


def demo(
    protocol: Annotated[str, typer.Option(help="T=0 (61xx/6Cxx visible) or T=1")] = "T=0",
    seed: Annotated[int, typer.Option(help="seed of the card's random source")] = 1,
    image: Annotated[
        Path | None, typer.Option(help="run the script against this card image instead")
    ] = None,
) -> None:
    """Run a terminal session against an in-process card, showing every APDU and status word."""
    console = Console()
    if protocol not in ("T=0", "T=1"):
        raise typer.BadParameter("protocol must be T=0 or T=1", param_hint="--protocol")
    try:
        rng = random.Random(seed)
        card = Card(demo_image(), rng) if image is None else Card.from_json(image.read_bytes(), rng)
    except (OSError, ImageError) as exc:
        console.print(f"[red]cannot load the card image: {exc}[/red]")
        raise typer.Exit(2) from None
    label = "in-process demo card" if image is None else f"in-process card {image.name}"
    transport = InProcessTransport(card, protocol, label)
    atr = transport.connect()
    console.print(f"[bold]{transport.description}[/bold], {protocol}, ATR {atr.hex().upper()}")
    table = Table(show_lines=False)
    for column in ("#", "step", "command APDU", "response data", "SW", "meaning"):
        table.add_column(column, overflow="fold")
    last = b""
    number = 0
    for description, apdu_hex in _script(protocol):
        if apdu_hex is None:
            session_key = crypto.session_key(DEMO_KEY, DEMO_FACTOR, "sm4")
            cryptogram = crypto.cryptogram("sm4", session_key, last)
            apdu_hex = "0082000A10" + (DEMO_FACTOR + cryptogram).hex().upper()
        apdu = bytes.fromhex(apdu_hex)
        label = description
        while True:
            number += 1
            response = transport.transmit_raw(apdu)
            data, sw = response[:-2], int.from_bytes(response[-2:], "big")
            table.add_row(
                str(number),
                label,
                _shown(apdu),
                _shown_data(description, data),
                f"[{'green' if sw == 0x9000 else 'yellow' if sw >> 8 in (0x61, 0x6C, 0x63) else 'red'}]{sw:04X}[/]",
                describe(sw),
            )
            if data:
                last = data
            # The terminal's side of T=0: fetch pending data, re-issue with the right Le.
            if sw >> 8 == 0x61:
                apdu = bytes((0x00, 0xC0, 0x00, 0x00, sw & 0xFF))
                label = "  GET RESPONSE"
            elif sw >> 8 == 0x6C:
                apdu = apdu[:-1] + bytes((sw & 0xFF,))
                label = "  re-issue with Le"
            else:
                break
    console.print(table)
    transport.disconnect()
