"""The test card image: MF, an SSSE-like DDF with an AID, every EF kind, PINs, 3DES and SM4 keys."""

from __future__ import annotations

import copy
import random
from typing import Any

from card_os.card import Card

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §1.1
DF04_AID = bytes.fromhex("D15600000503")
DF03_AID = bytes.fromhex("D15600000502")
K_3DES = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
K_SM4 = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
K_MAC = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
K_UNBLOCK = bytes.fromhex("5152535455565758595A5B5C5D5E5F50")
K_SM4_MAC = bytes.fromhex("A1A2A3A4A5A6A7A8A9AAABACADAEAFA0")


def rec(tag: int, value: bytes) -> str:
    return (bytes((tag, len(value))) + value).hex().upper()


def _image() -> dict[str, Any]:
    return {
        "format": "sscard-image/1",
        "atr": "3B6D000000814E43238697159900BF7C7A",
        "protocol": "T=1",
        "profile": {"generation": 3, "kind": "test"},
        "mf": {
            "kind": "MF",
            "fid": "3F00",
            "pins": [
                {"ref": 1, "value": "123456", "max_tries": 3, "unblock": {"puk_ref": 2}},
                {"ref": 2, "value": "87654321", "max_tries": 10},
            ],
            "keys": [
                {"ref": 4, "algorithm": "3des", "usage": ["external_auth"], "value": K_3DES.hex()},
                {"ref": 6, "algorithm": "3des", "value": K_UNBLOCK.hex()},
            ],
            "children": [
                {
                    "kind": "EF",
                    "structure": "transparent",
                    "fid": "2F00",
                    "sfi": 1,
                    "size": 16,
                    "data": "00112233445566778899AABBCCDDEEFF",
                    "acl": {"read": "always", "update": "pin:1"},
                },
                {
                    "kind": "DDF",
                    "fid": "DDF1",
                    "name": SSSE_AID.hex(),
                    "fci_proprietary": "9F0C03860103",
                    "pins": [
                        {
                            "ref": 0,
                            "value": "123456",
                            "max_tries": 3,
                            "unblock": {"puk_ref": 2, "key_ref": 6},
                        }
                    ],
                    "keys": [
                        {
                            "ref": 10,
                            "algorithm": "sm4",
                            "usage": ["external_auth"],
                            "value": K_SM4.hex(),
                            "max_tries": 5,
                        },
                        {
                            "ref": 13,
                            "algorithm": "3des",
                            "usage": ["external_auth", "mac"],
                            "value": K_MAC.hex(),
                        },
                        {
                            "ref": 14,
                            "algorithm": "sm4",
                            "usage": ["mac"],
                            "value": K_SM4_MAC.hex(),
                        },
                        {
                            "ref": 1,
                            "algorithm": "3des",
                            "usage": ["internal_auth"],
                            "value": K_3DES.hex(),
                        },
                        {
                            "ref": 2,
                            "algorithm": "sm4",
                            "usage": ["internal_auth"],
                            "value": K_SM4.hex(),
                        },
                    ],
                    "children": [
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF05",
                            "sfi": 5,
                            "record_size": 32,
                            "max_records": 8,
                            "acl": {"read": "always", "update": "key:13&mac:13"},
                            "records": [
                                rec(0x01, bytes.fromhex("639900D15600000500BF7C7A48FB4966")),
                                rec(0x03, b"3.00"),
                                rec(0x05, bytes.fromhex("20211203")),
                                rec(0x07, b"X00000019"),
                            ],
                        },
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF06",
                            "sfi": 6,
                            "record_size": 40,
                            "max_records": 8,
                            "acl": {"read": "key:10|pin:0", "update": "mac:14"},
                            "records": [
                                rec(0x08, b"111111198101011110"),
                                rec(0x09, "张三".encode("gbk").ljust(30, b"\x00")),
                                rec(0x0A, b"1"),
                            ],
                        },
                        {
                            "kind": "EF",
                            "structure": "linear_fixed",
                            "fid": "EF07",
                            "sfi": 7,
                            "record_size": 4,
                            "max_records": 3,
                            "acl": {"read": "pin:0", "update": "pin:0", "append": "pin:0"},
                            "records": ["01000000", "02000000"],
                        },
                        {
                            "kind": "EF",
                            "structure": "cyclic",
                            "fid": "EF08",
                            "sfi": 8,
                            "record_size": 4,
                            "max_records": 3,
                            "acl": {
                                "read": "always",
                                "update": "always",
                                "append": "always",
                                "activate": "always",
                                "deactivate": "always",
                            },
                            "records": ["03000000", "02000000", "01000000"],
                        },
                        {
                            "kind": "EF",
                            "structure": "transparent",
                            "fid": "EF09",
                            "sfi": 9,
                            "size": 8,
                            "acl": {"read": "never", "update": "pin:0&key:4"},
                        },
                        {
                            "kind": "ADF",
                            "fid": "DF04",
                            "name": DF04_AID.hex(),
                            "children": [
                                {
                                    "kind": "EF",
                                    "structure": "transparent",
                                    "fid": "EF05",
                                    "sfi": 5,
                                    "size": 4,
                                    "data": "CAFEBABE",
                                    "acl": {"read": "pin:0"},
                                }
                            ],
                        },
                        {"kind": "ADF", "fid": "DF03", "name": DF03_AID.hex()},
                    ],
                },
            ],
        },
    }


_IMAGE = _image()


def image() -> dict[str, Any]:
    """A fresh deep copy of the test image."""
    return copy.deepcopy(_IMAGE)


class Session:
    """A powered card plus helpers that speak hex at the edge."""

    def __init__(self, protocol: str = "T=1") -> None:
        self.card = Card(image(), random.Random(7))
        self.card.protocol = protocol
        self.card.power_on()

    def raw(self, apdu: str | bytes) -> bytes:
        data = bytes.fromhex(apdu.replace(" ", "")) if isinstance(apdu, str) else apdu
        return self.card.transmit(data)

    def send(self, apdu: str | bytes) -> tuple[bytes, int]:
        """(data, SW) of one command."""
        out = self.raw(apdu)
        assert len(out) >= 2, "card gave no answer"
        return out[:-2], int.from_bytes(out[-2:], "big")

    def sw(self, apdu: str | bytes) -> int:
        return self.send(apdu)[1]

    def ok(self, apdu: str | bytes) -> bytes:
        data, sw = self.send(apdu)
        assert sw == 0x9000, f"{apdu}: {sw:04X}"
        return data

    def select_ssse(self) -> bytes:
        return self.ok("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
