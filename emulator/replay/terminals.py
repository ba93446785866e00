"""Terminals in the world: the reference reader (with the world's PSAM and a PIN pad typing
the step's PINs) and an HSM client whose HTTP goes over the place's world link."""

from __future__ import annotations

import json
from collections.abc import Iterable

import httpx

from emulator.reader.hsm import HttpHsm
from emulator.reader.pin_pad import ScriptedPinPad
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.replay.context import Ctx
from emulator.world import institutions
from emulator.world.world import CardSlot

WORLD_URL = "http://world"


def reader(ctx: Ctx, slot: CardSlot, pins: Iterable[str] = ()) -> ReferenceReader:
    """The reader of the place, with ``slot``'s card inserted and ``pins`` queued on its pad."""
    stream = f"rng:reader:{ctx.place.key}"
    rng = ctx.world.memory.setdefault(stream, ctx.world.rng(stream))
    return ReferenceReader(
        contact=ctx.world.card_transport(slot),
        psam=PsamClient(ctx.world.psam(), random_bytes=rng.randbytes),
        pin_pad=ScriptedPinPad(pins),
        random_bytes=rng.randbytes,
        description=f"reader at {ctx.place.key}",
    )


class _WorldTransport(httpx.BaseTransport):
    """httpx requests carried by `World.http` (link latency, faults, trace)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        reply = self.ctx.http(request.method, request.url.path, body, as_=institutions.hsm())
        return httpx.Response(reply.status, json=reply.body, request=request)


def hsm(ctx: Ctx) -> HttpHsm:
    """The provincial HSM service, reached from the place over its link."""
    return HttpHsm(WORLD_URL, client=httpx.Client(transport=_WorldTransport(ctx)))
