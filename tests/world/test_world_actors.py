"""The world's actors in SimPy: the back-ends on the world clock, links with faults, cards."""

from __future__ import annotations

import datetime as dt

import pytest

from emulator.population import make_cardholder
from emulator.replay.trace import Trace
from emulator.world.clock import parse_at
from emulator.world.institutions import bureau, institution_for
from emulator.world.links import Fault, LinkSpec, LinkTimeout
from emulator.world.world import Target, World


def make_world() -> tuple[World, Trace]:
    trace = Trace()
    world = World(5, dt.datetime(2026, 3, 2), Target(), trace)
    world.add_place("centre", "service-centre", "500100", bureau(), LinkSpec(median_ms=30))
    return world, trace


def test_requests_reach_the_backends_at_simulated_time_over_the_link() -> None:
    world, trace = make_world()
    holder = make_cardholder(9)
    result = {}

    def person():
        yield world.env.timeout(parse_at("day 4 10:00"))
        reply = world.http(world.places["centre"], "POST", "/bureau/people", {
            "certno": holder.citizen_id, "name": holder.name, "gender": holder.sex,
            "birth_date": holder.birth_date.isoformat(), "hukou_district": "500101",
        })  # fmt: skip
        result["reply"], result["elapsed"] = reply, world.elapsed
        yield world.env.timeout(world.elapsed)

    world.env.process(person())
    world.env.run()
    assert result["reply"].status == 201
    assert 0 < result["elapsed"] < 1  # two one-way delays of about 30 ms
    assert world.clock() >= dt.datetime(2026, 3, 5, 10, 0)
    http = [r for r in trace.records if r["kind"] in ("http", "reply")]
    assert [r["kind"] for r in http] == ["http", "reply"]
    assert http[0]["t"] == "day 4 10:00:00.000" and http[1]["t"] > http[0]["t"]
    world.close()


def test_a_down_link_times_out_and_costs_the_callers_timeout() -> None:
    world, trace = make_world()
    world.add_fault(Fault("centre", "down", 0, 600))
    world.places["centre"].link.spec = LinkSpec(timeout_s=20)
    with pytest.raises(LinkTimeout, match="no answer"):
        world.http(world.places["centre"], "GET", "/bureau/blacklist")
    assert world.elapsed >= 20
    assert trace.records[-1]["kind"] == "timeout"
    world.close()


def test_drop_replies_processes_the_request_but_loses_the_answer() -> None:
    world, trace = make_world()
    holder = make_cardholder(10)
    world.add_fault(Fault("centre", "drop-replies", 0, 600))
    body = {"certno": holder.citizen_id, "name": holder.name, "gender": holder.sex,
            "birth_date": holder.birth_date.isoformat(), "hukou_district": "500101"}  # fmt: skip
    with pytest.raises(LinkTimeout, match="reply lost"):
        world.http(world.places["centre"], "POST", "/bureau/people", body)
    assert trace.records[-1]["status"] == 201  # it did arrive
    world.elapsed = 0
    world.env.run(until=601)
    again = world.http(world.places["centre"], "POST", "/bureau/people", body)
    assert again.status == 409  # already registered by the request whose answer was lost
    world.close()


def test_the_demo_institutions_and_a_clear_error_for_an_unknown_region() -> None:
    assert institution_for("hospital", "440300", None, None).code == "H44030000001"
    assert institution_for("bank-branch", "500100", None, None).auth == (
        "BANK500100",
        "demo-BANK500100",
    )
    with pytest.raises(ValueError, match="no demo hospital for region 110000"):
        institution_for("hospital", "110000", None, None)
