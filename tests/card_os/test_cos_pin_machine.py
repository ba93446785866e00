"""A hypothesis state machine: PIN objects on the card against a small trusted model."""

from __future__ import annotations

import random

from cos_fixture import image
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from card_os.card import Card

PIN_MAX, PUK_MAX = 3, 10
PUK = "87654321"
pins = st.text("0123456789", min_size=4, max_size=8)


def bcd(value: str) -> str:
    return value if len(value) % 2 == 0 else value + "F"


class PinMachine(RuleBasedStateMachine):
    """MF PIN 1 (3 tries, unblocked by PUK 2 with 10 tries), driven through APDUs."""

    def __init__(self) -> None:
        super().__init__()
        self.card = Card(image(), random.Random(0))
        self.card.power_on()
        self.value = "123456"
        self.tries = PIN_MAX
        self.puk_tries = PUK_MAX
        self.verified = False

    def sw(self, apdu: str) -> int:
        out = self.card.transmit(bytes.fromhex(apdu))
        assert len(out) == 2, out.hex()
        return int.from_bytes(out, "big")

    def verify_apdu(self, value: str) -> str:
        body = bcd(value)
        return f"00200001{len(body) // 2:02X}{body}"

    @rule()
    def verify_right(self) -> None:
        sw = self.sw(self.verify_apdu(self.value))
        if self.tries == 0:
            assert sw == 0x6983
        else:
            assert sw == 0x9000
            self.tries, self.verified = PIN_MAX, True

    @rule(guess=pins)
    def verify_wrong(self, guess: str) -> None:
        if guess == self.value:
            return
        sw = self.sw(self.verify_apdu(guess))
        if self.tries == 0:
            assert sw == 0x6983
        else:
            self.tries -= 1
            self.verified = False
            assert sw == 0x63C0 | self.tries

    @rule()
    def query(self) -> None:
        sw = self.sw("00200001")
        if self.tries == 0:
            assert sw == 0x6983
        elif self.verified:
            assert sw == 0x9000
        else:
            assert sw == 0x63C0 | self.tries

    @rule(new=pins)
    def change(self, new: str) -> None:
        old, fresh = bcd(self.value), bcd(new)
        sw = self.sw(f"00240001{(len(old) + len(fresh)) // 2 + 1:02X}{old}FF{fresh}")
        if self.tries == 0:
            assert sw == 0x6983
        else:
            assert sw == 0x9000
            self.value, self.tries, self.verified = new, PIN_MAX, True

    @rule(new=pins)
    def unblock(self, new: str) -> None:
        body = PUK + bcd(new)
        sw = self.sw(f"002C0001{len(body) // 2:02X}{body}")
        if self.puk_tries == 0:
            assert sw == 0x6983
        else:
            assert sw == 0x9000
            self.value, self.tries, self.puk_tries, self.verified = new, PIN_MAX, PUK_MAX, False

    @precondition(lambda self: self.puk_tries > 0)
    @rule()
    def unblock_wrong_puk(self) -> None:
        sw = self.sw("002C010104" + "11111111")
        self.puk_tries -= 1
        assert sw == 0x63C0 | self.puk_tries

    @rule(cold=st.booleans())
    def reset(self, cold: bool) -> None:
        if cold:
            self.card.power_off()
            self.card.power_on()
        else:
            self.card.reset()
        self.verified = False

    @invariant()
    def persistent_counters_match(self) -> None:
        pin, puk = self.card.mf.pins[1], self.card.mf.pins[2]
        assert (pin.tries_left, puk.tries_left, pin.value) == (
            self.tries,
            self.puk_tries,
            self.value,
        )
        verified = pin in self.card.channel(0).security.pins
        assert verified == self.verified
        assert self.card.internal_errors == 0


PinMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestPinMachine = PinMachine.TestCase
