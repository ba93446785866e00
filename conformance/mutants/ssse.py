"""Mutants of SSSE personalisation: realistic data-preparation defects, applied to the card
image the suite runs against (the card OS is the reference one)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from conformance.mutants.base import Mutant

SUITES = ("ssse",)
SSSE_NAME = "7378312E73682EC9E7BBE1B1A3D5CF"


def _ssse(image: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in image["mf"]["children"] if c.get("name") == SSSE_NAME)


def _ef(image: dict[str, Any], fid: str) -> dict[str, Any]:
    return next(c for c in _ssse(image)["children"] if c.get("fid") == fid)


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mutate(image: dict[str, Any]) -> dict[str, Any]:
        copied = copy.deepcopy(image)
        change(copied)
        return copied

    return mutate


def _record(ef: dict[str, Any], tag: int) -> int:
    return next(i for i, r in enumerate(ef["records"]) if r.startswith(f"{tag:02X}"))


def _space_padded_name(image: dict[str, Any]) -> None:
    ef = _ef(image, "EF06")
    i = _record(ef, 0x09)
    raw = bytes.fromhex(ef["records"][i])
    value = raw[2:].rstrip(b"\x00")
    ef["records"][i] = (raw[:2] + value.ljust(30, b"\x20")).hex().upper()


def _no_name_extension(image: dict[str, Any]) -> None:
    ef = _ef(image, "EF06")
    del ef["records"][_record(ef, 0x4E)]


def _holder_data_free(image: dict[str, Any]) -> None:
    _ef(image, "EF06")["acl"]["read"] = "always"


def _bad_check_character(image: dict[str, Any]) -> None:
    ef = _ef(image, "EF05")
    i = _record(ef, 0x07)
    raw = bytearray(bytes.fromhex(ef["records"][i]))
    raw[-1] = ord("0") if raw[-1] != ord("0") else ord("1")
    ef["records"][i] = raw.hex().upper()


def _old_spec_version(image: dict[str, Any]) -> None:
    ef = _ef(image, "EF05")
    ef["records"][_record(ef, 0x03)] = "0304" + b"2.00".hex().upper()


def _no_algorithm_in_fci(image: dict[str, Any]) -> None:
    _ssse(image).pop("fci_proprietary", None)


def _swapped_dates(image: dict[str, Any]) -> None:
    ef = _ef(image, "EF05")
    i, j = _record(ef, 0x05), _record(ef, 0x06)
    issued, expiry = ef["records"][i][4:], ef["records"][j][4:]
    ef["records"][i], ef["records"][j] = "0504" + expiry, "0604" + issued


MUTANTS: list[Mutant] = [
    Mutant(
        "ssse-name-space-padded",
        "ssse",
        "姓名 padded with spaces (0x20) instead of 0x00",
        SUITES,
        mutate_image=_edit(_space_padded_name),
    ),
    Mutant(
        "ssse-missing-name-ext",
        "ssse",
        "姓名扩展 record (4E) missing from EF06",
        SUITES,
        mutate_image=_edit(_no_name_extension),
    ),
    Mutant(
        "ssse-holder-data-free",
        "ssse",
        "EF06 readable without RKSSSE on a 3.0 card",
        SUITES,
        mutate_image=_edit(_holder_data_free),
    ),
    Mutant(
        "ssse-bad-check-char",
        "ssse",
        "卡号 personalised with a wrong check character",
        SUITES,
        mutate_image=_edit(_bad_check_character),
    ),
    Mutant(
        "ssse-old-spec-version",
        "ssse",
        '规范版本 "2.00" on a 3rd-generation card',
        SUITES,
        mutate_image=_edit(_old_spec_version),
    ),
    Mutant(
        "ssse-fci-no-algorithm",
        "ssse",
        "SSSE FCI without 9F0C algorithm identifier",
        SUITES,
        mutate_image=_edit(_no_algorithm_in_fci),
    ),
    Mutant(
        "ssse-dates-swapped",
        "ssse",
        "发卡日期 and 卡有效期 written to each other's record",
        SUITES,
        mutate_image=_edit(_swapped_dates),
    ),
]
