"""Card OS throughput: APDUs per second in-process for a SELECT / READ RECORD / VERIFY mix.

Prints figures; asserts nothing about time. Usage:
    .venv/bin/python benchmarks/bench_card_os.py [--seconds S] [--rounds N] [--protocol T=0|T=1]

The mix per session: SELECT by AID, SELECT EF, four READ RECORDs (by number and by
identifier, with SFI and on the current EF), VERIFY, SELECT EF, READ RECORD. The best round
is the figure least disturbed by other processes on the machine; the median is printed too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from card_os.card import Card

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")


def bench_image() -> dict:
    """A small social-security-like card: SSSE DDF with EF05/EF06 TLV records and a PIN."""

    def rec(tag: int, value: bytes) -> str:
        return (bytes((tag, len(value))) + value).hex()

    return {
        "format": "sscard-image/1",
        "protocol": "T=1",
        "mf": {
            "kind": "MF",
            "fid": "3F00",
            "children": [
                {
                    "kind": "DDF",
                    "fid": "DDF1",
                    "name": SSSE_AID.hex(),
                    "pins": [{"ref": 0, "value": "123456", "max_tries": 3}],
                    "children": [
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF05",
                            "sfi": 5,
                            "record_size": 32,
                            "max_records": 8,
                            "records": [
                                rec(1, bytes(16)),
                                rec(3, b"3.00"),
                                rec(5, b"\x20\x21\x12\x03"),
                                rec(7, b"X00000019"),
                            ],
                        },
                        {
                            "kind": "EF",
                            "structure": "linear_variable",
                            "fid": "EF06",
                            "sfi": 6,
                            "record_size": 40,
                            "max_records": 8,
                            "acl": {"read": "pin:0"},
                            "records": [rec(8, b"111111198101011110"), rec(10, b"1")],
                        },
                    ],
                }
            ],
        },
    }


def session(protocol: str) -> list[bytes]:
    """One terminal session's APDUs: SELECT, READ RECORD (number and identifier), VERIFY."""
    h = bytes.fromhex
    le = "" if protocol == "T=0" else "00"
    return [
        h("00A404000F" + SSSE_AID.hex() + le),
        h("00A4020C02EF05"),
        h("00B2012C12"),
        h("00B2052806"),
        h("00B2072800" if protocol == "T=1" else "00B207280B"),
        h("0020000003123456"),
        h("00B2013414"),
        h("00B20A3003"),
        h("00A4000C02EF06"),
        h("00B2010414"),
    ]


def run(seconds: float, protocol: str, rounds: int) -> tuple[list[float], int]:
    """APDU/s of each of `rounds` rounds lasting `seconds` / `rounds`, and failing commands."""
    card = Card(bench_image(), random.Random(1))
    card.protocol = protocol
    card.power_on()
    apdus = session(protocol)
    transmit = card.transmit
    bad = 0
    for apdu in apdus:  # sanity: every command of the mix succeeds
        sw = transmit(apdu)[-2:]
        if sw != b"\x90\x00" and sw[0] != 0x61:
            bad += 1
    rates = []
    for _ in range(rounds):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds / rounds
        while time.perf_counter() < deadline:
            for _ in range(100):
                for apdu in apdus:
                    transmit(apdu)
            count += 100 * len(apdus)
        rates.append(count / (time.perf_counter() - start))
    return rates, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--protocol", choices=("T=0", "T=1"), default=None)
    args = parser.parse_args()
    for protocol in [args.protocol] if args.protocol else ["T=1", "T=0"]:
        rates, bad = run(args.seconds, protocol, args.rounds)
        print(
            f"card_os {protocol}: best {max(rates):,.0f} APDU/s, "
            f"median {statistics.median(rates):,.0f} APDU/s over {len(rates)} rounds "
            f"(SELECT/READ RECORD/VERIFY mix, one core, "
            f"{'all 9000' if not bad else f'{bad} failing commands'})"
        )


if __name__ == "__main__":
    main()
