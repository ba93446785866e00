"""The same reader checks through pcscd + vpcd: the reference reader over PcscTransport and
the native C library (compiled here with gcc) loaded by ctypes, on served reference cards,
deliberately broken card images and broken answers."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from reader_cards import RefCard, make_psam, make_ref_card, set_record

from card_os.card import Card
from card_os.ssse.profile import IssuerProfile
from emulator.pcsc import PcscTransport, wait_for_card
from emulator.reader.basic_info import HSM_TERMINAL_NUMBER
from emulator.reader.hsm import InProcessHsm
from emulator.reader.interface import TerminalInterface
from emulator.reader.native import NativeReader
from emulator.reader.native_build import build_native_library
from emulator.reader.pin_pad import ScriptedPinPad
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas, reload_pin
from emulator.vpcd import Endpoint, SlotBridge

pytestmark = pytest.mark.pcsc

READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
WAIT = 15.0
TARGETS = ("reference", "native")


class BrokenServedCard:
    """A served card whose answers ``rule(apdu, answer)`` may replace (None: unchanged)."""

    def __init__(self, card: Card, rule: Callable[[bytes, bytes], bytes | None]) -> None:
        self.card, self.rule = card, rule

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def power_on(self) -> bytes:
        return self.card.power_on()

    def reset(self) -> bytes:
        return self.card.reset()

    def power_off(self) -> None:
        self.card.power_off()

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.card.transmit(apdu)
        replaced = self.rule(apdu, answer)
        return answer if replaced is None else replaced


@contextmanager
def served(card: object, slot: int = 0) -> Iterator[SlotBridge]:
    bridge = SlotBridge(card, Endpoint.for_slot(slot), slot=slot).start()  # type: ignore[arg-type]
    try:
        assert wait_for_card(READERS[slot], present=True, timeout=WAIT), "card never appeared"
        yield bridge
    finally:
        bridge.stop()
        wait_for_card(READERS[slot], present=False, timeout=WAIT)


@pytest.fixture(scope="module")
def native_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_native_library(tmp_path_factory.mktemp("native"))


@pytest.fixture
def make_target(
    native_library: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., TerminalInterface]:
    monkeypatch.setenv("SSCARD_READER", READERS[0])
    monkeypatch.delenv("SSCARD_CL_READER", raising=False)

    def make(name: str, pad: ScriptedPinPad | None = None, psam: bool = False) -> TerminalInterface:
        if name == "native":
            if psam:
                monkeypatch.setenv("SSCARD_PSAM_READER", READERS[1])
            else:
                monkeypatch.delenv("SSCARD_PSAM_READER", raising=False)
            return NativeReader(native_library, pin_pad=pad)
        return ReferenceReader(
            PcscTransport(READERS[0]),
            psam=PsamClient(PcscTransport(READERS[1])) if psam else None,
            pin_pad=pad,
        )

    return make


def card_of(ref: RefCard) -> Card:
    return Card(ref.image, rng=random.Random(3))


@pytest.mark.parametrize(("generation", "kind"), [(2, "formal"), (3, "formal"), (3, "temporary")])
def test_both_targets_read_reference_cards(
    make_target: Callable[..., TerminalInterface], generation: int, kind: str
) -> None:
    ref = make_ref_card(generation, kind)
    hsm = InProcessHsm(ref.profile)
    with served(card_of(ref)):
        for name in TARGETS:
            target = make_target(name)
            assert target.iReadCardBas(1) == (-2201, "未插PSAM卡"), name
            read = read_card_bas(target, 1, hsm)
            assert read.mode == "hsm"
            assert read.result == (0, ref.expected(HSM_TERMINAL_NUMBER)), name
            assert target.iReadCardBas(2).code == -2, name  # no contactless reader


@pytest.mark.parametrize("generation", [2, 3])
def test_both_targets_in_psam_mode(
    make_target: Callable[..., TerminalInterface], generation: int
) -> None:
    ref = make_ref_card(generation)
    with served(card_of(ref), 0), served(make_psam(ref.profile), 1):
        for name in TARGETS:
            result = make_target(name, psam=True).iReadCardBas(1)
            assert result == (0, ref.expected(IssuerProfile().terminal_number)), name


@pytest.mark.parametrize(
    ("psam", "code"),
    [
        ({"with_rkssse": False}, -2203),
        ({"algorithms": (0x01,)}, -2202),
        (
            {
                "profile": IssuerProfile(
                    master_keys={**IssuerProfile().master_keys, "internal_auth": "11" * 16}
                )
            },
            -21,
        ),
    ],
)
def test_both_targets_refuse_unsuitable_psams(
    make_target: Callable[..., TerminalInterface], psam: dict, code: int
) -> None:
    ref = make_ref_card(3)
    options = {"profile": ref.profile, **psam}
    with served(card_of(ref), 0), served(make_psam(**options), 1):
        for name in TARGETS:
            target = make_target(name, psam=True)
            assert target.iReadCardBas(1).code == code, name
            read = read_card_bas(target, 1, InProcessHsm(ref.profile))
            expected = (0, ref.expected(HSM_TERMINAL_NUMBER)) if code != -21 else (-21,)
            assert read.result[: len(expected)] == expected, name


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        (lambda image: set_record(image, "EF05", 0x03, b"1.00"), -1),
        (lambda image: set_record(image, "EF05", 0x01, bytes.fromhex("ABCDEF") + bytes(13)), -20),
        (lambda image: set_record(image, "EF05", 0x06, bytes.fromhex("2024FF01")), -15),
    ],
)
def test_broken_card_images_give_the_same_codes(
    make_target: Callable[..., TerminalInterface], patch: Callable, code: int
) -> None:
    ref = make_ref_card(3)
    patch(ref.image)
    with served(card_of(ref)):
        for name in TARGETS:
            read = read_card_bas(make_target(name), 1, InProcessHsm(ref.profile))
            assert read.result.code == code, (name, read.result)


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (lambda apdu, answer: b"\x6a\x82" if apdu[1] == 0xA4 else None, -27266),
        (lambda apdu, answer: bytes(8) + b"\x90\x00" if apdu[1] == 0x88 else None, -25),
        (lambda apdu, answer: b"\x77\x01\x00\x90\x00" if apdu[1:3] == b"\xb2\x08" else None, -15),
    ],
)
def test_broken_answers_give_the_same_codes(
    make_target: Callable[..., TerminalInterface], rule: Callable, code: int
) -> None:
    ref = make_ref_card(3)
    with served(BrokenServedCard(card_of(ref), rule)):
        for name in TARGETS:
            read = read_card_bas(make_target(name), 1, InProcessHsm(ref.profile))
            assert read.result.code == code, (name, read.result)


def test_pin_verify_and_reload_on_both_targets(
    make_target: Callable[..., TerminalInterface],
) -> None:
    ref = make_ref_card(3)
    info = f"{ref.card_id}|{ref.holder.card_number}|"
    with served(card_of(ref)):
        for name, new_pin in (("reference", "975310"), ("native", "864209")):
            pad = ScriptedPinPad()
            target = make_target(name, pad)
            pad.load("000000")
            assert target.iVerifyPIN(1) == (-51, "PIN校验失败，剩余次数2"), name
            pad.load(new_pin, new_pin)
            assert reload_pin(target, 1, info, InProcessHsm(ref.profile)) == (0, ""), name
            pad.load(new_pin)
            assert target.iVerifyPIN(1) == (0, ""), name
            pad.load(new_pin, "123123", "123123")
            assert target.iChangePIN(1) == (0, ""), name
            pad.load("123123", "555555", "555556")
            assert target.iChangePIN(1).code == -34, name


def test_removed_card_is_minus_2_on_both_targets(
    make_target: Callable[..., TerminalInterface],
) -> None:
    ref = make_ref_card(2)
    with served(card_of(ref)) as bridge:
        bridge.remove()
        assert wait_for_card(READERS[0], present=False, timeout=WAIT)
        for name in TARGETS:
            assert make_target(name).iReadCardBas(1) == (-2, "无卡"), name
        bridge.insert()
        assert wait_for_card(READERS[0], present=True, timeout=WAIT)
        for name in TARGETS:
            read = read_card_bas(make_target(name), 1, InProcessHsm(ref.profile))
            assert read.result == (0, ref.expected(HSM_TERMINAL_NUMBER)), name


def test_cli_reads_through_pcscd(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from emulator.cli import app as sscard

    ref = make_ref_card(3, kind="temporary")
    with served(card_of(ref), 0), served(make_psam(ref.profile), 1):
        result = CliRunner().invoke(
            sscard, ["reader", "read", "--reader", "pcsc:0", "--psam", "pcsc:1"]
        )
    assert result.exit_code == 0, result.output
    assert ref.expected(IssuerProfile().terminal_number) in result.output
