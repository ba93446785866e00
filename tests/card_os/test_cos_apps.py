"""Applications: lazy registry, first sight of commands below their DF, ctx helpers."""

from __future__ import annotations

import importlib.machinery
import random
import sys
import types

import pytest
from cos_fixture import SSSE_AID, image

from card_os.apdu import Command
from card_os.apps.base import Application, ApplicationNotFound, load_application_class
from card_os.card import Card
from card_os.context import Context

NAME = "cos_test_counter"


class CounterApp(Application):
    """Counts INS 10 calls in app_state; INS 12 fails; INS 14 warns with data."""

    def selected(self, ctx: Context) -> None:
        self.selections = getattr(self, "selections", 0) + 1

    def handle(self, ctx: Context, cmd: Command) -> bytes | None:
        if cmd.cla != 0x90:
            return None
        if cmd.ins == 0x10:
            count = self.df.app_state.get("count", 0) + 1
            ctx.set_app_state(self.df, {"count": count})
            return ctx.reply(bytes((count,)) * 3)
        if cmd.ins == 0x12:
            ctx.fail(0x6A81)
        if cmd.ins == 0x14:
            return ctx.reply(b"\x01\x02", 0x6283)
        return None


@pytest.fixture
def app_module() -> types.ModuleType:
    module = types.ModuleType(f"card_os.apps.{NAME}")
    module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
    module.Application = CounterApp  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def make_card(protocol: str) -> Card:
    doc = image()
    doc["mf"]["children"][1]["app"] = NAME
    card = Card(doc, random.Random(0))
    card.protocol = protocol
    card.power_on()
    return card


def test_application_sees_commands_below_its_df(app_module) -> None:
    card = make_card("T=1")
    assert card.transmit(bytes.fromhex("9010000000")) == bytes.fromhex("6E00")  # at the MF
    card.transmit(bytes.fromhex("00A404000F" + SSSE_AID.hex() + "00"))
    assert card.transmit(bytes.fromhex("9010000000")) == bytes.fromhex("0101019000")
    card.transmit(bytes.fromhex("00A4040006D1560000050300"))  # DF04, below the app's DF
    assert card.transmit(bytes.fromhex("9010000000")) == bytes.fromhex("0202029000")
    assert card.transmit(bytes.fromhex("90120000")) == bytes.fromhex("6A81")
    assert card.transmit(bytes.fromhex("9014000000")) == bytes.fromhex("01026283")
    assert card.transmit(bytes.fromhex("00200000"))[-2:] == bytes.fromhex("63C3")  # falls through
    assert card.internal_errors == 0
    text = card.to_json()
    assert '"count": 2' in text and Card.from_json(text).to_json() == text


def test_application_data_follows_t0_rules(app_module) -> None:
    card = make_card("T=0")
    card.transmit(bytes.fromhex("00A404000F" + SSSE_AID.hex()))
    assert card.transmit(bytes.fromhex("90100000")) == bytes.fromhex("6103")  # case 1
    assert card.transmit(bytes.fromhex("00C0000003")) == bytes.fromhex("0101019000")
    assert card.transmit(bytes.fromhex("9010000005")) == bytes.fromhex("6C03")


def test_application_state_write_is_torn_atomically(app_module) -> None:
    card = make_card("T=1")
    card.transmit(bytes.fromhex("00A404000F" + SSSE_AID.hex() + "00"))
    card.nvm.tear_at(1, after=False)
    assert card.transmit(bytes.fromhex("9010000000")) == b""
    card.power_on()
    assert card.mf.children[1].app_state == {}


def test_registry_errors() -> None:
    with pytest.raises(ApplicationNotFound, match="no application module"):
        load_application_class("cos_missing_app")
    with pytest.raises(ApplicationNotFound, match="not an application name"):
        load_application_class("base")


def test_selected_hook_on_selection_of_the_application_df(app_module) -> None:
    card = make_card("T=1")
    select = bytes.fromhex("00A404000F" + SSSE_AID.hex() + "00")
    card.transmit(select)
    app = card.channel(0).app
    assert app.selections == 1
    card.transmit(bytes.fromhex("00A4040006D1560000050300"))  # DF04 below: not the app's DF
    card.transmit(select)  # reselection
    assert app.selections == 2
