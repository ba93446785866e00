"""What one live visit sends over HTTP, and when visits arrive: shared by the driver
(`emulator.load.live`) and the Locust file. No Locust and no gevent here.

Time is compressed: `compress` simulated seconds pass per wall-clock second, so the profile's
arrival rate is multiplied by `compress` in wall time. Latencies are real (not compressed).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.load.profile import WEEKDAYS, LoadProfile

ENDPOINT = "/fsi/api/rsfComIfsService/callService"
#: Fee items of a live visit (items of the shipped policy book; unlisted items are class C).
VISIT_FEES = (("S-110200001", "25.00"), ("S-250101001", "18.50"), ("X-J01CA04", "32.80"))
FEES_TOTAL = "76.30"

Post = Callable[[str, dict[str, Any], float], "Answer"]


@dataclass(frozen=True)
class Answer:
    """A platform answer: seconds taken, the envelope (None when none came back in time)."""

    seconds: float
    body: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.body is not None and self.body.get("infcode") == 0

    @property
    def output(self) -> dict[str, Any]:
        assert self.body is not None
        return self.body.get("output") or {}


class ArrivalClock:
    """Arrival times (wall seconds from the run's start) of a Poisson process following the
    profile's calendar, thinned to `share` of the whole (one Locust user's part)."""

    def __init__(
        self, profile: LoadProfile, *, scale: float, compress: float, share: float, seed: int
    ) -> None:
        self.profile = profile
        self.daily = sum(p.settlements_per_day for p in profile.provinces) * scale * share
        self.compress = compress
        self.rng = random.Random(seed)
        self.start = profile.start_hour * 3600
        self.weekday = WEEKDAYS.index(profile.start_weekday)

    def rate(self, sim: float) -> float:
        """Arrivals per simulated second at simulated run time `sim`."""
        clock = self.start + sim
        day = WEEKDAYS[(self.weekday + int(clock // 86400)) % 7]
        cal = self.profile.calendar
        return self.daily * cal.day_factor(day) * cal.hourly_share(int(clock // 3600)) / 3600

    def next_after(self, wall: float, horizon: float) -> float | None:
        """The next arrival after wall time `wall`, or None when none comes before `horizon`."""
        sim = wall * self.compress
        end = horizon * self.compress
        while sim < end:
            boundary = min(end, (math.floor((self.start + sim) / 3600) + 1) * 3600 - self.start)
            rate = self.rate(sim)
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if sim + gap < boundary:
                return (sim + gap) / self.compress
            sim = boundary  # memoryless: drawing afresh at the hour boundary is exact
        return None


@dataclass
class Caller:
    """The hospital as the platform knows it."""

    code: str
    region: str
    sign_no: str

    def envelope(self, infno: str, payload: dict[str, Any], insuplc: str = "") -> dict[str, Any]:
        return {
            "infno": infno,
            "msgid": self.code + f"{secrets.randbelow(10**18):018d}"[: 30 - len(self.code)],
            "mdtrtarea_admvs": self.region,
            "insuplc_admdvs": insuplc,
            "fixmedins_code": self.code,
            "sign_no": self.sign_no,
            "input": payload,
        }


@dataclass(frozen=True)
class VisitPlan:
    certno: str
    cross: bool
    optional: frozenset[str]
    cancel: bool
    number: str


def run_visit(post: Post, caller: Caller, plan: VisitPlan, timeout: float) -> dict[str, Any]:
    """One visit over HTTP; returns its record (outcome, latencies, what was settled).

    A 2207 without an answer in `timeout` seconds is reversed with 2601 (rvs_rslt says
    whether it had been applied); a failed step before the settlement abandons the visit.
    """
    record: dict[str, Any] = {"cross": plan.cross, "steps": {}, "outcome": "failed"}

    def step(infno: str, payload: dict[str, Any], insuplc: str = "") -> Answer:
        answer = post(infno, caller.envelope(infno, payload, insuplc), timeout)
        record["steps"][infno] = round(answer.seconds, 6)
        return answer

    found = step("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": plan.certno}})
    if not found.ok:
        record["error"] = _error("1101", found)
        return record
    psn_no = found.output["baseinfo"]["psn_no"]
    insurance = found.output["insuinfo"][0]
    insuplc, insutype = insurance["insuplc_admdvs"], insurance["insutype"]
    reg = {
        "psn_no": psn_no,
        "insutype": insutype,
        "begntime": "2026-03-02 09:00:00",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": plan.certno,
        "ipt_otp_no": plan.number,
    }
    opened = step("2201", {"data": reg}, insuplc)
    if not opened.ok:
        record["error"] = _error("2201", opened)
        return record
    mdtrt_id = opened.output["data"]["mdtrt_id"]
    if "2203" in plan.optional:
        step(
            "2203",
            {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11"}},
            insuplc,
        )
    fees = [
        {
            "feedetl_sn": str(i + 1),
            "mdtrt_id": mdtrt_id,
            "psn_no": psn_no,
            "med_list_codg": code,
            "det_item_fee_sumamt": amount,
        }
        for i, (code, amount) in enumerate(VISIT_FEES)
    ]
    uploaded = step("2204", {"feedetail": fees}, insuplc)
    if not uploaded.ok:
        record["error"] = _error("2204", uploaded)
        return record
    data = {
        "psn_no": psn_no,
        "mdtrt_id": mdtrt_id,
        "insutype": insutype,
        "medfee_sumamt": FEES_TOTAL,
        "acct_used_flag": "1",
    }
    if "2206" in plan.optional:
        step("2206", {"data": data}, insuplc)
    body = caller.envelope("2207", {"data": data}, insuplc)
    settled = post("2207", body, timeout)
    record["steps"]["2207"] = round(settled.seconds, 6)
    record["settle_latency"] = settled.seconds
    record["insutype"] = insutype
    if settled.body is None:
        record["outcome"] = "timeouts"
        rvs = {"data": {"psn_no": psn_no, "omsgid": body["msgid"], "oinfno": "2207"}}
        reversed_ = step("2601", rvs, insuplc)
        record["reversal"] = reversed_.output["data"]["rvs_rslt"] if reversed_.ok else "pending"
        return record
    if not settled.ok:
        record["error"] = _error("2207", settled)
        record["outcome"] = "refused"
        return record
    info = settled.output["setlinfo"]
    record["outcome"] = "settled"
    record["settlement"] = {
        k: str(info[k]) for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
    }
    if plan.cancel:
        undo = {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}
        record["cancelled"] = step("2208", {"data": undo}, insuplc).ok
    return record


def _error(infno: str, answer: Answer) -> str:
    if answer.body is None:
        return f"{infno}: no answer"
    return f"{infno}: {answer.body.get('err_msg')}"


def plan_visit(
    rng: random.Random, profile: LoadProfile, local: list[str], cross: list[str]
) -> VisitPlan:
    """Draw a visit: the patient (cross-province by the profile's share), optional transactions."""
    is_cross = bool(cross) and rng.random() < profile.cross_province_share
    people = cross if is_cross or not local else local
    shares = {m.infno: m.share for m in profile.mix}
    return VisitPlan(
        certno=people[rng.randrange(len(people))],
        cross=is_cross,
        optional=frozenset(i for i in ("2203", "2206") if rng.random() < shares.get(i, 0.0)),
        cancel=rng.random() < shares.get("2208", 0.0),
        number=f"V{secrets.token_hex(8).upper()}",
    )
