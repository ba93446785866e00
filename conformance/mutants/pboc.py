"""Mutants of the debit application: counter, cryptogram and data-preparation defects."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from conformance.mutants.base import CardProxy, Mutant, ins_of, sw_of

SUITES = ("pboc",)
AID = "A000000333010101"


def _adf_df(card: Any) -> Any:
    return next(df for df in card.mf.walk() if df.app == "pboc")


class AtcStuck(CardProxy):
    """The transaction counter is used but the incremented ATC is never persisted."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        if ins_of(apdu) not in (0xA8, 0xAE):
            return send(apdu)
        adf = _adf_df(self.card)
        before = adf.app_state.get("atc")
        response = send(apdu)
        adf.app_state = {**adf.app_state, "atc": before}
        return response


class ArqcOverWrongData(CardProxy):
    """The ARQC is computed over stale data: the issuer cannot verify it."""

    def __init__(self, card: Any) -> None:
        super().__init__(card)
        self.pending_ac = False

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        ins = ins_of(apdu)
        if ins == 0xAE:
            self.pending_ac = sw_of(response) >> 8 == 0x61
        carries_ac = ins == 0xAE or (ins == 0xC0 and self.pending_ac)
        if ins == 0xC0:
            self.pending_ac = False
        if carries_ac and sw_of(response) == 0x9000 and response[:1] == b"\x80":
            body = bytearray(response)
            body[2 + 1 + 2 + 7] ^= 0x01  # last byte of the 8-byte AC in format 1
            return bytes(body)
        return response


class PinTryCounterStale(CardProxy):
    """GET DATA 9F17 reports the limit whatever the counter is."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if ins_of(apdu) == 0xCA and apdu[2:4] == b"\x9f\x17" and sw_of(response) == 0x9000:
            pin = next(iter(_adf_df(self.card).pins.values()))
            return response[:-3] + bytes([pin.max_tries]) + response[-2:]
        return response


def _afl_past_last_record(image: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(image)
    adf = next(c for c in copied["mf"]["children"] if c.get("name") == AID)
    config = adf["app_state"]["config"]
    afl = bytearray(bytes.fromhex(config["afl"]))
    afl[-2] += 1  # last record of the last AFL entry, one past what exists
    config["afl"] = afl.hex().upper()
    return copied


MUTANTS: list[Mutant] = [
    Mutant("pboc-atc-stuck", "pboc", "ATC not persisted after GENERATE AC", SUITES, AtcStuck),
    Mutant(
        "pboc-arqc-wrong-data",
        "pboc",
        "ARQC computed over the wrong data",
        SUITES,
        ArqcOverWrongData,
    ),
    Mutant(
        "pboc-9f17-stale", "pboc", "PIN try counter (9F17) not updated", SUITES, PinTryCounterStale
    ),
    Mutant(
        "pboc-afl-past-end",
        "pboc",
        "AFL names a record that was never personalised",
        SUITES,
        mutate_image=_afl_past_last_record,
    ),
]
