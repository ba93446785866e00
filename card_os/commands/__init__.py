"""ISO/IEC 7816-4 command handlers, one module per family, and the INS dispatch table.

A handler is `handler(ctx, cmd) -> bytes`: it returns the response data (the dispatcher adds
SW 9000 and applies the T=0/T=1 rules) or raises `CardError(sw[, data])`.
GET RESPONSE (C0) is served by the dispatcher itself (`get_response.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from card_os.apdu import Command
from card_os.commands.auth import external_authenticate, get_challenge, internal_authenticate
from card_os.commands.binary import read_binary, update_binary
from card_os.commands.channel import manage_channel
from card_os.commands.lifecycle import activate_file, deactivate_file
from card_os.commands.pin import change_reference_data, reset_retry_counter, verify
from card_os.commands.record import append_record, read_record, update_record
from card_os.commands.select import select
from card_os.context import Context

Handler = Callable[[Context, Command], bytes]

#: INS -> handler.
HANDLERS: dict[int, Handler] = {
    0x04: deactivate_file,
    0x20: verify,
    0x24: change_reference_data,
    0x2C: reset_retry_counter,
    0x44: activate_file,
    0x70: manage_channel,
    0x82: external_authenticate,
    0x84: get_challenge,
    0x88: internal_authenticate,
    0xA4: select,
    0xB0: read_binary,
    0xB2: read_record,
    0xD6: update_binary,
    0xDC: update_record,
    0xE2: append_record,
}

#: Instructions whose handlers verify a secure-messaging MAC (through the access rule of the
#: file, or the unblock key for RESET RETRY COUNTER); others refuse SM classes with 6882.
SM_INS = frozenset((0x04, 0x2C, 0x44, 0xB0, 0xB2, 0xD6, 0xDC, 0xE2))
