"""The `full` fidelity: the model's arrivals and queues, with every visit run for real.

Each visit reads a personalised card through the reference reader and sends the medical
transactions to the in-process platform (`real_system`); the wall-clock durations of those
calls, measured with `perf_counter`, are the simulated service times of the card read and of
the platform. The counter time, the links and the national leg stay modelled (the in-process
platform settles a cross-province visit within the same call, and a clerk is not software).

Reproducible for a seed: the arrivals, which patient comes, which transactions a visit makes,
cross-province or not, the counter and link times (all drawn when the visit arrives, from
streams that do not depend on service times). Not reproducible: the measured times, hence
latencies, utilisation and queue lengths, and — only for visits within milliseconds of the
caller's timeout or of a fault window's edge — the outcome. See docs/load.md.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

import simpy

from emulator.load.metrics import RunMetrics, Series, bucket_of
from emulator.load.model import (
    REVERSAL_INFNO,
    Progress,
    ProvinceModel,
    _any_active,
    bins_for,
    stream,
)
from emulator.load.profile import SETTLEMENT_INFNO, WEEKDAYS, LoadProfile
from emulator.load.real_system import (
    Patient,
    RealSystem,
    RealVisit,
    cancel,
    reverse,
    settle,
    visit_steps,
)
from emulator.load.servers import Servers
from emulator.load.summary import Invariant

#: Visits beyond this are refused: at ~0.1 s of real calls per visit, about half an hour.
FULL_MAX_VISITS = 20_000
#: A Monday: the run's clock starts on the profile's weekday of this week.
CLOCK_MONDAY = dt.date(2026, 3, 2)
CANCEL_INFNO = "2208"
ALWAYS = frozenset({"1101", "2201", "2204"})
CARD_READ = "card_read"


class FullRefused(ValueError):
    """The profile is too large for the full fidelity (the message says what to do)."""


def expected_visits(profile: LoadProfile, scale: float, hours: float) -> float:
    """Visits the arrival process produces on average (the calendar integrated by hour)."""
    total, t, until = 0.0, 0.0, hours * 3600
    start = profile.start_hour * 3600
    weekday = WEEKDAYS.index(profile.start_weekday)
    cal = profile.calendar
    daily = sum(p.settlements_per_day for p in profile.provinces) * scale
    while t < until:
        clock = start + t
        step = min(until, (math.floor(clock / 3600) + 1) * 3600 - start) - t
        day = WEEKDAYS[(weekday + int(clock // 86400)) % 7]
        total += daily * cal.day_factor(day) * cal.hourly_share(int(clock // 3600)) * step / 3600
        t += step
    return total


def check_size(profile: LoadProfile, scale: float, hours: float) -> float:
    """The expected visits, or FullRefused when the run is too large for real calls."""
    if len(profile.provinces) != 1:
        raise FullRefused(
            f"profile {profile.name} has {len(profile.provinces)} provinces: the full fidelity"
            " runs one hospital or one city (use --fidelity model for provinces and the nation)"
        )
    visits = expected_visits(profile, scale, hours)
    if visits > FULL_MAX_VISITS:
        fit = FULL_MAX_VISITS / visits * scale
        fit = math.floor(fit / 10 ** math.floor(math.log10(fit) - 1)) * 10 ** math.floor(
            math.log10(fit) - 1
        )
        raise FullRefused(
            f"profile {profile.name} at scale {scale} over {hours:g} h expects about"
            f" {visits:,.0f} visits; the full fidelity runs at most {FULL_MAX_VISITS:,} (real"
            f" calls take about 0.1 s each visit): use --scale {fit:.2g} or less, fewer"
            " --hours, or --fidelity model"
        )
    return visits


@dataclass
class _Plan:
    """Everything random about a visit, drawn when it arrives."""

    number: int
    patient: Patient
    cross: bool
    optional: set[str]
    cancel: bool
    counter: float
    round_trip: float
    national_links: float
    remote: float


@dataclass
class Measured:
    """Wall-clock samples per transaction (and the card read), seconds."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, seconds: float) -> None:
        self.samples[name].append(seconds)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for name, values in sorted(self.samples.items()):
            mean = statistics.fmean(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            out[name] = {"n": len(values), "mean": round(mean, 6), "cv": round(sd / mean, 4)}
        return out


@dataclass
class Outcomes:
    """What the simulation says happened to each 2207 message, for checking the platform."""

    expected: dict[str, str] = field(default_factory=dict)


class FullProvinceModel(ProvinceModel):
    """ProvinceModel whose card reads and platform transactions are real, timed calls."""

    def __init__(
        self,
        env: simpy.Environment,
        profile: LoadProfile,
        *,
        seed: int,
        scale: float,
        metrics: RunMetrics,
        system: RealSystem,
        measured: Measured,
        outcomes: Outcomes,
    ) -> None:
        province = profile.provinces[0]
        super().__init__(env, profile, province, seed=seed, scale=scale, metrics=metrics)
        self.system = system
        self.measured = measured
        self.outcomes = outcomes
        self.plan_rng = stream(seed, province.code, "full-visits")
        self.visits = 0
        self.hospital_of = {
            id(pool): system.hospitals[g % len(system.hospitals)]
            for g, (pool, _) in enumerate(self.groups)
        }
        self.optional = [(infno, share) for infno, share in self.mix_before if infno not in ALWAYS]
        self.cancel_share = next((m.share for m in profile.mix if m.infno == CANCEL_INFNO), 0.0)

    def _plan(self) -> _Plan:
        rng = self.plan_rng
        self.visits += 1
        cross = bool(self.system.cross) and rng.random() < self.cross_share
        pool = self.system.cross if cross else self.system.local
        return _Plan(
            number=self.visits,
            patient=pool[rng.randrange(len(pool))],
            cross=cross,
            optional={
                i for i, share in self.optional if i != CANCEL_INFNO and rng.random() < share
            },
            cancel=rng.random() < self.cancel_share,
            counter=self.counter_time(),
            round_trip=self.link() + self.link(),
            national_links=self.national_link() + self.national_link(),
            remote=self.remote(),
        )

    def _visit(self, counter: Servers, hospital: Series):
        env = self.env
        arrived = env.now
        plan = self._plan()
        hospital.counters["arrivals"][self._bin()] += 1
        turn = counter.acquire()
        if turn is not None:
            yield turn
        visit = RealVisit(self.hospital_of[id(counter)], plan.patient, plan.number)
        took, visit.info = self.system.read_card(plan.patient)
        self.measured.add(CARD_READ, took)
        local = took + plan.counter
        hospital.busy[self._bin()] += local
        yield env.timeout(local)
        outcome = yield from self._full_session(visit, plan)
        if outcome == "settled" and plan.cancel:
            yield from self._cancel(visit)
        counter.release()
        b = self._bin()
        hospital.latency[b][bucket_of(env.now - arrived)] += 1
        hospital.counters[outcome][b] += 1

    def _full_session(self, visit: RealVisit, plan: _Plan):
        """The model's platform session with real transactions (see ProvinceModel)."""
        env = self.env
        series = self.platform_series
        sent = env.now
        series.count("arrivals", self._bin())
        if (self.platform_faults and _any_active(self.platform_faults, sent)) or (
            plan.cross and self.national_faults and _any_active(self.national_faults, sent)
        ):
            yield env.timeout(self.timeout)
            b = self._bin()
            series.count("timeouts", b)
            series.count("failed", b)
            # The 2207 never reached the platform: its msgid is spent all the same.
            visit.settle_msgid = visit.hospital.msgid()
            if self.reverse_on_timeout:
                self.outcomes.expected[visit.settle_msgid] = "blocked"
                env.process(self._full_reverse(visit, applied=False))
            else:
                self.outcomes.expected[visit.settle_msgid] = "unsent"
            return "failed"
        slot = self.platform.acquire()
        if slot is not None:
            yield slot
        granted = env.now
        steps = visit_steps(self.system, visit, plan.optional)
        settle_took = settle(self.system, visit)
        for infno, took in steps:
            self.measured.add(infno, took)
        self.measured.add(SETTLEMENT_INFNO, settle_took)
        service = sum(t for _, t in steps) + settle_took
        hold = service
        national_leg = 0.0
        if plan.cross:
            hold += plan.national_links
            national = self.national_series
            asked = env.now
            national.counters["arrivals"][self._bin()] += 1
            nslot = self.national.acquire()
            if nslot is not None:
                yield nslot
            national.busy[self._bin()] += plan.remote
            yield env.timeout(plan.remote)
            self.national.release()
            nb = self._bin()
            national_leg = env.now - asked + plan.national_links
            national.latency[nb][bucket_of(national_leg)] += 1
            national.counters["settled"][nb] += 1
        series.busy[self._bin()] += service
        yield env.timeout(hold)
        self.platform.release()
        latency = granted - sent + settle_took + national_leg + plan.round_trip
        dropped = bool(self.link_faults) and _any_active(self.link_faults, env.now)
        b = self._bin()
        if latency > self.timeout or dropped:
            series.count("timeouts", b)
            if self.reverse_on_timeout:
                self.outcomes.expected[visit.settle_msgid] = "reversed"
                env.process(self._full_reverse(visit, applied=True))
            else:
                self.outcomes.expected[visit.settle_msgid] = "settled"
            return "timeouts"
        assert visit.setlinfo is not None
        visit.hospital.ledger.add(visit.setlinfo, 1)
        self.outcomes.expected[visit.settle_msgid] = "settled"
        series.latency[b][bucket_of(latency)] += 1
        series.count("settled", b)
        return "settled"

    def _cancel(self, visit: RealVisit):
        """2208 at the counter after a settlement, holding a platform server for its time."""
        slot = self.platform.acquire()
        if slot is not None:
            yield slot
        took = cancel(self.system, visit)
        self.measured.add(CANCEL_INFNO, took)
        self.platform_series.busy[self._bin()] += took
        self.outcomes.expected[visit.settle_msgid] = "cancelled"
        yield self.env.timeout(took)
        self.platform.release()

    def _full_reverse(self, visit: RealVisit, *, applied: bool):
        """The model's reversal, with the real 2601 as its service."""

        def perform() -> float:
            took, _result = reverse(
                self.system, visit.hospital, visit.settle_msgid, visit.psn_no, visit.insuplc
            )
            self.measured.add(REVERSAL_INFNO, took)
            return took

        return self._reverse(applied=applied, perform=perform)


@dataclass
class FullRun:
    """A full-fidelity run's figures, measurements and checks on the platform's records."""

    metrics: RunMetrics
    measured: Measured
    checks: list[Invariant]
    visits: int


def run_start(profile: LoadProfile) -> dt.datetime:
    day = CLOCK_MONDAY + dt.timedelta(days=WEEKDAYS.index(profile.start_weekday))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=profile.start_hour)


def build_system(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float,
    clock,  # type: ignore[no-untyped-def]
    reader_mode: str = "psam",
    patients: int = 12,
    cross_patients: int = 4,
    db_url: str = "sqlite://",
) -> RealSystem:
    province = profile.provinces[0]
    hospitals = min(province.groups, max(1, round(province.hospitals * scale)))
    return RealSystem(
        region=province.code,
        hospitals=hospitals,
        patients=patients,
        cross_patients=cross_patients if profile.cross_province_share > 0 else 0,
        seed=seed,
        clock=clock,
        reader_mode=reader_mode,
        db_url=db_url,
    )


def run_full(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float = 1.0,
    hours: float | None = None,
    progress: Progress | None = None,
    reader_mode: str = "psam",
    db_url: str = "sqlite://",
) -> FullRun:
    """Simulate the one province of `profile` with real calls; refuses runs too large."""
    hours = profile.hours if hours is None else hours
    if scale <= 0:
        raise ValueError("scale must be positive")
    check_size(profile, scale, hours)
    until = hours * 3600
    bins, bin_seconds = bins_for(profile, hours)
    metrics = RunMetrics(bins=bins, bin_seconds=bin_seconds)
    env = simpy.Environment()
    start = run_start(profile)

    def clock() -> dt.datetime:
        return start + dt.timedelta(seconds=env.now)

    system = build_system(
        profile, seed=seed, scale=scale, clock=clock, reader_mode=reader_mode, db_url=db_url
    )
    try:
        measured, outcomes = Measured(), Outcomes()
        model = FullProvinceModel(
            env,
            profile,
            seed=seed,
            scale=scale,
            metrics=metrics,
            system=system,
            measured=measured,
            outcomes=outcomes,
        )
        model.start(until)
        t = 0.0
        while t < until:
            t = min(until, t + bin_seconds)
            env.run(until=t)
            if progress:
                progress(t, until)
        env.run()
        checks = platform_checks(system, outcomes, start.date(), clock().date())
        return FullRun(metrics, measured, checks, model.visits)
    finally:
        system.close()


def platform_checks(
    system: RealSystem, outcomes: Outcomes, first: dt.date, last: dt.date
) -> list[Invariant]:
    """The invariants read from the platform's own records."""
    found = system.settlement_status(list(outcomes.expected))
    wrong = [
        f"{m}: expected {want}, platform has {found[m]}"
        for m, want in outcomes.expected.items()
        if found[m] != want
    ]
    counts: dict[str, int] = defaultdict(int)
    for status in found.values():
        counts[status] += 1
    checks = [
        Invariant(
            "platform: every settlement completed or reversed",
            not wrong
            and counts.get("settled", 0)
            + counts.get("cancelled", 0)
            + counts.get("reversed", 0)
            + counts.get("blocked", 0)
            == len(found),
            ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            + ("; " + wrong[0] if wrong else ""),
        )
    ]
    accounts, bad = system.account_check()
    checks.append(
        Invariant(
            "platform: every personal account equals the sum of its journal",
            not bad,
            f"{accounts} accounts" + ("; " + bad[0] if bad else ""),
        )
    )
    crossing, bad = system.clearing_check()
    checks.append(
        Invariant(
            "platform: clearing records net to what each cross-province settlement owes",
            not bad,
            f"{crossing} cross-province settlements" + ("; " + bad[0] if bad else ""),
        )
    )
    for hospital in system.hospitals:
        stmt = system.reconcile(hospital, first, last)
        checks.append(
            Invariant(
                f"3201 reconciliation of {hospital.code}: the hospital's books balance",
                stmt["stmt_rslt"] == "0",
                f"{stmt['fixmedins_setl_cnt']} settlements, {stmt['stmt_rslt_dscr']}",
            )
        )
    return checks


def full_report(meta: dict, run: FullRun) -> dict:
    """The report of a full run: the model's format, the platform's checks, the measurements."""
    from emulator.load.report import build_report

    doc = build_report(meta, run.metrics)
    doc["invariants"] += [
        {"name": c.name, "holds": c.holds, "detail": c.detail} for c in run.checks
    ]
    doc["measured"] = run.measured.summary()
    return doc
