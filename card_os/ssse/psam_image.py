"""The virtual PSAM card image (card-spec §2.4: PSAM application AID D156000005 90).

The PSAM holds the issuer's master keys (TEST keys by default, see profile.TEST_MASTER_KEYS)
per 9F0C algorithm identifier, and the 12-digit terminal number (终端机编号, card-spec §3.2
field 10) in EF 0016 under the MF, 6 bytes BCD, readable without conditions (our choice:
the place PBOC PSAMs keep it). Commands: card_os/apps/psam.py.
"""

from __future__ import annotations

import random

from card_os import codecs
from card_os.atr import Historical, build_atr
from card_os.ssse.profile import IssuerProfile

__all__ = ["PSAM_AID", "TERMINAL_EF", "build_psam_image"]

PSAM_AID = bytes.fromhex("D15600000590")
TERMINAL_EF = 0x0016


def build_psam_image(
    profile: IssuerProfile,
    *,
    terminal_number: str | None = None,
    algorithms: tuple[int, ...] = (0x01, 0x03),
    with_rkssse: bool = True,
    seed: int = 0,
) -> dict:
    """A PSAM image holding ``profile``'s master keys for ``algorithms``."""
    terminal = terminal_number or profile.terminal_number
    if len(terminal) != 12 or not terminal.isdigit():
        raise ValueError(f"terminal number must be 12 digits, got {terminal!r}")
    ids = profile.key_ids
    names = ["internal_auth", "issuer_write", "holder_write", "pin_reload"]
    if with_rkssse:
        names.append("rkssse")
    keys = {f"{getattr(ids, n):02X}": profile.master_keys[n].upper() for n in names}
    historical = Historical(
        chip_maker=bytes.fromhex("0090"),
        cos=bytes.fromhex("543116"),
        card_maker=bytes.fromhex("8660"),
        made="2401",
        serial=random.Random(seed).randbytes(4),
    ).to_bytes()
    return {
        "format": "sscard-image/1",
        "atr": build_atr(historical).hex().upper(),
        "protocol": "T=0",
        "profile": {"kind": "psam", "terminal_number": terminal},
        "mf": {
            "kind": "DF",
            "fid": "3F00",
            "name": None,
            "lcs": "operational",
            "acl": {"create": "never", "delete": "never"},
            "pins": [],
            "keys": [],
            "app": None,
            "app_state": {},
            "children": [
                {
                    "kind": "EF",
                    "structure": "transparent",
                    "fid": f"{TERMINAL_EF:04X}",
                    "sfi": TERMINAL_EF & 0x1F,
                    "size": 6,
                    "lcs": "operational",
                    "acl": {"read": "always", "update": "never"},
                    "data": codecs.encode_cn(terminal, 6).hex().upper(),
                },
                {
                    "kind": "DF",
                    "fid": "DF90",
                    "name": PSAM_AID.hex().upper(),
                    "lcs": "operational",
                    "acl": {"create": "never", "delete": "never"},
                    "pins": [],
                    "keys": [],
                    "app": "psam",
                    "app_state": {
                        "terminal_number": terminal,
                        "rkssse_key": ids.rkssse,
                        "master_keys": {f"{a:02X}": dict(keys) for a in algorithms},
                    },
                    "children": [],
                },
            ],
        },
    }
