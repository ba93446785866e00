"""The vpcd bridge: serves card images into pcscd through vsmartcard's virtual reader driver."""

from emulator.vpcd.bridge import Endpoint, SlotBridge
from emulator.vpcd.connection import NAIVE, Backoff, LinkTuning
from emulator.vpcd.framing import VPCD_BASE_PORT, Control, port_for_slot
from emulator.vpcd.responder import TrivialResponder
from emulator.vpcd.server import CardServer
from emulator.vpcd.session import CardSession, ServedCard
from emulator.vpcd.trace import TraceWriter, mask_command

__all__ = [
    "NAIVE",
    "VPCD_BASE_PORT",
    "Backoff",
    "CardServer",
    "CardSession",
    "Control",
    "Endpoint",
    "LinkTuning",
    "ServedCard",
    "SlotBridge",
    "TraceWriter",
    "TrivialResponder",
    "mask_command",
    "port_for_slot",
]
