"""Mutants of the reference reader: output-string and return-code defects of the terminal
interface, applied by wrapping the reader object."""

from __future__ import annotations

from typing import Any

from conformance.mutants.base import Mutant

SUITES = ("reader",)


class ReaderProxy:
    """Delegates to the reference reader; subclasses override single functions."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.description = reader.description

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


def _swap_fields(text: str, a: int, b: int) -> str:
    fields = text.split("|")
    if len(fields) > max(a, b):
        fields[a], fields[b] = fields[b], fields[a]
    return "|".join(fields)


class FieldsOutOfOrder(ReaderProxy):
    """iReadCardBas puts 卡号 before 社会保障号码 (fields 2 and 3 swapped)."""

    def iReadCardBas(self, iType: int) -> Any:
        result = self.reader.iReadCardBas(iType)
        return (
            type(result)(result.code, _swap_fields(result.text, 1, 2))
            if result.code == 0
            else result
        )

    def iReadCardBas_HSM_Step2(self, pKey: str) -> Any:
        result = self.reader.iReadCardBas_HSM_Step2(pKey)
        return (
            type(result)(result.code, _swap_fields(result.text, 1, 2))
            if result.code == 0
            else result
        )


class RawSwForWrongPin(ReaderProxy):
    """A wrong PIN is reported as -(SW) (e.g. -25538 for 63C2) instead of -51."""

    def iVerifyPIN(self, iType: int) -> Any:
        result = self.reader.iVerifyPIN(iType)
        if result.code == -51:
            tries = int("".join(ch for ch in result.text if ch.isdigit()) or "0")
            return type(result)(-(0x63C0 + tries), result.text)
        return result


class HsmTerminalNotZero(ReaderProxy):
    """In HSM mode the reader still reports its PSAM terminal number instead of zeros."""

    def iReadCardBas_HSM_Step2(self, pKey: str) -> Any:
        result = self.reader.iReadCardBas_HSM_Step2(pKey)
        if result.code != 0:
            return result
        fields = result.text.split("|")
        if len(fields) > 9:
            fields[9] = "410100813475"
        return type(result)(result.code, "|".join(fields))


class BankNumberPadded(ReaderProxy):
    """iReadBankNumber returns the PAN with its BCD F padding / trailing garbage."""

    def iReadBankNumber(self, iType: int) -> Any:
        result = self.reader.iReadBankNumber(iType)
        return type(result)(result.code, result.text + "F") if result.code == 0 else result


class WrongTypeAsNoCard(ReaderProxy):
    """A card of the wrong type (or a bad iType) is reported as -2 "no card" instead of -1."""

    def iReadCardBas(self, iType: int) -> Any:
        result = self.reader.iReadCardBas(iType)
        return type(result)(-2, "无卡") if result.code == -1 else result


MUTANTS: list[Mutant] = [
    Mutant(
        "reader-fields-out-of-order",
        "reader",
        "iReadCardBas fields 2 and 3 swapped",
        SUITES,
        wrap_reader=FieldsOutOfOrder,
    ),
    Mutant(
        "reader-wrong-pin-raw-sw",
        "reader",
        "wrong PIN reported as -(SW) instead of -51",
        SUITES,
        wrap_reader=RawSwForWrongPin,
    ),
    Mutant(
        "reader-hsm-terminal-number",
        "reader",
        "HSM mode keeps the PSAM terminal number",
        SUITES,
        wrap_reader=HsmTerminalNotZero,
    ),
    Mutant(
        "reader-wrong-type-no-card",
        "reader",
        "wrong card type reported as -2 (no card)",
        SUITES,
        wrap_reader=WrongTypeAsNoCard,
    ),
    Mutant(
        "reader-pan-padded",
        "reader",
        "iReadBankNumber keeps the F padding",
        SUITES,
        wrap_reader=BankNumberPadded,
    ),
]
