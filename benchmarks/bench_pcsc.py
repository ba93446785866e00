"""APDUs per second through pcscd and pyscard: a served card next to a trivial responder.

Each responder runs behind the vpcd bridge in a process of its own (as `sscard card serve`
does): the card in slot 0, a trivial responder (90 00 at once: the ceiling the stack allows)
in slot 1. This process drives both through `PcscTransport` (pyscard) with the same SELECT /
READ RECORD mix of raw APDUs, in alternating bursts. The "naive" link (two writes per frame, Nagle
on, delayed ACKs) shows what the bridge's socket fixes are worth; see docs/pcsc.md.

    .venv/bin/python benchmarks/bench_pcsc.py [--seconds 6] [--generation 3]

Needs pcscd with vsmartcard-vpcd (started here if not running). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path

from emulator.pcsc import PcscTransport, wait_for_card
from emulator.vpcd import NAIVE, Endpoint, LinkTuning, SlotBridge, TrivialResponder
from emulator.vpcd.pcscd import VPCD_READERS, running_pcscd, slot_lock

SLOT = 0
SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")
TUNINGS: dict[str, LinkTuning] = {
    "naive (2 writes, Nagle, delayed ACK)": NAIVE,
    "TCP_NODELAY + 1 write": LinkTuning(quick_ack=False),
    "TCP_NODELAY + 1 write + quick ACK": LinkTuning(),
}


def _serve(image: str | None, slot: int, tuning: LinkTuning, stop: Event) -> None:
    """Child process: one responder behind the bridge until `stop`."""
    if image is None:
        card: object = TrivialResponder()
    else:
        from card_os.card import Card

        card = Card.from_json(Path(image).read_text(encoding="utf-8"))
    endpoint = Endpoint.for_slot(slot)
    bridge = SlotBridge(card, endpoint, slot=slot, tuning=tuning).start()  # type: ignore[arg-type]
    stop.wait()
    bridge.stop()


def session_mix(transport: PcscTransport) -> list[bytes]:
    """The raw APDUs of one terminal session: SELECT SSSE, GET RESPONSE, READ RECORD x4.

    Le of each READ RECORD is learnt once from the card (its 6Cxx), so every APDU of the
    mix is answered in one exchange (9000, or 61xx for the SELECT).
    """
    mix = [SELECT_SSSE]
    answer = transport.transmit_raw(SELECT_SSSE)
    if answer[0] == 0x61:
        mix.append(bytes([0x00, 0xC0, 0x00, 0x00, answer[1]]))
        transport.transmit_raw(mix[-1])
    for record in (1, 2, 3, 4):
        probe = bytes([0x00, 0xB2, record, (5 << 3) | 4, 0x00])
        answer = transport.transmit_raw(probe)
        le = answer[1] if answer[0] == 0x6C else 0
        mix.append(probe[:4] + bytes([le]))
    return mix


@dataclass
class Figure:
    link: str
    responder: str
    apdus: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.apdus / self.seconds


def burst(transport: PcscTransport, mix: list[bytes], seconds: float, figure: Figure) -> None:
    """Whole sessions for about `seconds`, added to `figure`."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for apdu in mix:
            transport.transmit_raw(apdu)
        count += len(mix)
    figure.apdus += count
    figure.seconds += time.perf_counter() - started


def measure(image: Path, link: str, tuning: LinkTuning, seconds: float) -> list[Figure]:
    """The card (slot 0) and the trivial responder (slot 1) served at once, each in its own
    process, driven in alternating bursts so that load from elsewhere hits both alike."""
    context = mp.get_context("spawn")
    stop = context.Event()
    children = [
        context.Process(target=_serve, args=(str(image), 0, tuning, stop)),
        context.Process(target=_serve, args=(None, 1, tuning, stop)),
    ]
    for child in children:
        child.start()
    card = Figure(link, f"served card ({image.name})")
    trivial = Figure(link, "trivial responder")
    try:
        for reader in VPCD_READERS:
            if not wait_for_card(reader, present=True, timeout=20):
                raise SystemExit(f"nothing appeared in {reader}")
        with (
            PcscTransport(VPCD_READERS[0]) as on_card,
            PcscTransport(VPCD_READERS[1]) as on_trivial,
        ):
            mix = session_mix(on_card)
            for apdu in mix:  # a check that the card answers the whole mix
                answer = on_card.transmit_raw(apdu)
                if answer[-2] not in (0x90, 0x61):
                    raise SystemExit(f"{apdu.hex()} answered {answer.hex()}, not 9000/61xx")
            burst(on_trivial, mix, 0.1, Figure(link, "warm-up"))
            rounds = 10
            for _ in range(rounds):
                burst(on_card, mix, seconds / rounds / 2, card)
                burst(on_trivial, mix, seconds / rounds / 2, trivial)
    finally:
        stop.set()
        for child in children:
            child.join(10)
        for reader in VPCD_READERS:
            wait_for_card(reader, present=False, timeout=20)
    return [trivial, card]


def make_card(directory: Path, generation: int) -> Path:
    image = directory / f"gen{generation}.json"
    command = "from emulator.cli import main; main()"
    argv = ["card", "new", "--generation", str(generation), "-o", str(image)]
    subprocess.run([sys.executable, "-c", command, *argv], check=True, capture_output=True)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per link, both responders")
    parser.add_argument("--generation", type=int, choices=(2, 3), default=3)
    parser.add_argument("--card", type=Path, help="card image (default: sscard card new)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, slot_lock():
        directory = Path(scratch)
        image = args.card or make_card(directory, args.generation)
        with running_pcscd(directory / "pcscd.log") as stack:
            print(f"pcscd: {'started here' if stack.started else 'already running'}")
            figures: list[Figure] = []
            for link, tuning in TUNINGS.items():
                # The naive link manages ~10-20 APDU/s: a short run says enough.
                seconds = args.seconds if tuning != NAIVE else min(args.seconds, 3.0)
                figures += measure(image, link, tuning, seconds)
    print("mix per session: SELECT SSSE, GET RESPONSE, READ RECORD x4 (raw APDUs)")
    print(f"{'link':38} {'responder':32} {'APDUs':>7} {'APDU/s':>9} {'us/APDU':>9}")
    for figure in figures:
        print(
            f"{figure.link:38} {figure.responder:32} {figure.apdus:7d} "
            f"{figure.rate:9.0f} {1e6 / figure.rate:9.1f}"
        )
    trivial, card = figures[-2], figures[-1]
    print(
        f"served card / trivial responder (tuned link): {card.rate / trivial.rate:.0%} "
        f"({card.rate:.0f} vs {trivial.rate:.0f} APDU/s)"
    )


if __name__ == "__main__":
    main()
