"""The `model` fidelity: settlement traffic as a SimPy queueing network with sampled service times.

Per province: hospital counters (pooled into groups), the provincial platform, and the
province's partition of the national cross-province platform. A visit queues for a counter,
reads the card, then holds one platform server for its sequence of transactions (the
mix), going through the national platform when the patient is insured in another province.
A settlement that does not answer within the caller's timeout is reversed (2601) by a
background process, retried while the platform is down.

Why per-province partitions of the national platform: every random stream and every
resource belongs to exactly one province, so the model decomposes by province and a run
sharded by province gives the same figures as a single-process run for the same seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass

import simpy

from emulator.load.distributions import Sampler
from emulator.load.metrics import RunMetrics, Series, bucket_of
from emulator.load.profile import SETTLEMENT_INFNO, WEEKDAYS, LoadProfile, Province
from emulator.load.servers import Servers

REVERSAL_INFNO = "2601"
Progress = Callable[[float, float], None]


def stream(seed: int, province: str, name: str) -> random.Random:
    """An independent random stream, stable across processes and Python runs."""
    return random.Random(f"sscard-load:{seed}:{province}:{name}")


def scaled_count(value: int, scale: float) -> int:
    return max(1, round(value * scale))


def national_partition(profile: LoadProfile, code: str, scale: float) -> int:
    """Servers of the national platform serving `code`, proportional to its settlements."""
    total = sum(p.settlements_per_day for p in profile.provinces) or 1.0
    mine = next(p for p in profile.provinces if p.code == code).settlements_per_day
    return scaled_count(math.ceil(profile.national_platform_servers * mine / total), scale)


@dataclass
class _Fault:
    kind: str
    start: float
    end: float

    def active(self, now: float) -> bool:
        return self.start <= now < self.end


class ProvinceModel:
    """One province's institutions and arrival process inside a shared environment."""

    def __init__(
        self,
        env: simpy.Environment,
        profile: LoadProfile,
        province: Province,
        *,
        seed: int,
        scale: float,
        metrics: RunMetrics,
    ) -> None:
        self.env = env
        self.profile = profile
        self.province = province
        self.scale = scale
        self.bin_seconds = metrics.bin_seconds
        self.last_bin = metrics.bins - 1
        code = province.code
        self.arrival_rng = stream(seed, code, "arrivals")
        self.rng = stream(seed, code, "visits")
        service_rng = stream(seed, code, "services")
        s = profile.services
        self.card_read = s.card_read.sampler(service_rng)
        self.counter_time = s.counter.sampler(service_rng)
        self.link = s.link.sampler(service_rng)
        self.national_link = s.national_link.sampler(service_rng)
        self.remote = s.remote_province.sampler(service_rng)
        self.platform_time: dict[str, Sampler] = {
            infno: d.sampler(service_rng) for infno, d in s.platform.items()
        }
        self.reversal_time = (
            s.platform.get(REVERSAL_INFNO) or s.platform[SETTLEMENT_INFNO]
        ).sampler(service_rng)
        self.mix_before = [(m.infno, m.share) for m in profile.mix if m.infno != SETTLEMENT_INFNO]
        self.mix_samplers = [(share, self.platform_time[infno]) for infno, share in self.mix_before]
        self.settle_time = self.platform_time[SETTLEMENT_INFNO]
        self.cross_share = profile.cross_province_share
        self.timeout = profile.behaviour.timeout
        self.reverse_on_timeout = profile.behaviour.reverse_on_timeout
        self.retry_interval = profile.behaviour.reversal_retry_interval

        servers = scaled_count(province.platform_servers, scale)
        self.platform = Servers(env, servers)
        self.platform_series = metrics.get(f"platform:{code}", servers)
        national = national_partition(profile, code, scale)
        self.national = Servers(env, national)
        self.national_series = metrics.get(f"national:{code}", national)

        hospitals = scaled_count(province.hospitals, scale)
        groups = min(province.groups, hospitals)
        self.groups: list[tuple[Servers, Series]] = []
        for g in range(groups):
            members = hospitals // groups + (1 if g < hospitals % groups else 0)
            counters = members * province.counters_per_hospital
            self.groups.append(
                (
                    Servers(env, counters),
                    metrics.get(f"hospital:{code}:{g:03d}", counters),
                )
            )

        self.platform_faults = _faults(profile, "platform", code)
        self.link_faults = _faults(profile, "link", code)
        self.national_faults = _faults(profile, "platform", "national")
        self.rate_per_day = province.settlements_per_day * scale
        self.start_weekday = WEEKDAYS.index(profile.start_weekday)

    def start(self, until: float) -> None:
        self.env.process(self._arrivals(until))
        self.env.process(self._sample_queues(until))

    def _bin(self) -> int:
        b = int(self.env.now // self.bin_seconds)
        return b if b < self.last_bin else self.last_bin

    def _rate(self, t: float) -> float:
        """Arrivals per second at run time `t` (constant within each clock hour)."""
        clock = self.profile.start_hour * 3600 + t
        day = int(clock // 86400)
        hour = int(clock // 3600) % 24
        weekday = WEEKDAYS[(self.start_weekday + day) % 7]
        cal = self.profile.calendar
        return self.rate_per_day * cal.day_factor(weekday) * cal.hourly_share(hour) / 3600.0

    def _arrivals(self, until: float):
        env = self.env
        expo = self.arrival_rng.expovariate
        pick = self.arrival_rng.randrange
        groups = self.groups
        n_groups = len(groups)
        offset = self.profile.start_hour * 3600
        rate_until = -1.0
        rate = 0.0
        while env.now < until:
            now = env.now
            boundary = min(until, (math.floor((offset + now) / 3600) + 1) * 3600 - offset)
            if boundary != rate_until:
                # The rate is constant within a clock hour: compute it once per hour.
                rate, rate_until = self._rate(now), boundary
            if rate <= 0:
                yield env.timeout(boundary - now)
                continue
            gap = expo(rate)
            if now + gap >= boundary:
                # Memoryless: drawing afresh at the hour boundary keeps the process exact.
                yield env.timeout(boundary - now)
                continue
            yield env.timeout(gap)
            resource, series = groups[pick(n_groups)]
            launch(self._visit(resource, series))

    def _visit(self, counter: Servers, hospital: Series):
        env = self.env
        rng = self.rng
        arrived = env.now
        width, last = self.bin_seconds, self.last_bin
        b = int(arrived // width)
        hospital.counters["arrivals"][b if b < last else last] += 1
        turn = counter.acquire()
        if turn is not None:
            yield turn
        local = self.card_read() + self.counter_time()
        b = int(env.now // width)
        hospital.busy[b if b < last else last] += local
        yield env.timeout(local)
        before = 0.0
        for share, sample in self.mix_samplers:
            if share >= 1.0 or rng.random() < share:
                before += sample()
        settle = self.settle_time()
        cross = rng.random() < self.cross_share
        round_trip = self.link() + self.link()
        outcome = yield from self._platform_session(before, settle, round_trip, cross)
        counter.release()
        b = int(env.now // width)
        b = b if b < last else last
        hospital.latency[b][bucket_of(env.now - arrived)] += 1
        hospital.counters[outcome][b] += 1

    def _platform_session(self, before: float, settle: float, round_trip: float, cross: bool):
        """Hold the platform for a visit's transactions; returns the caller's outcome.

        The visit's transactions before the settlement (`before`) and the 2207 itself
        (`settle`) run back to back on one platform server. The latency reported, and the
        one the caller's timeout applies to, is the 2207's: the wait for a server, the
        settlement's service, the national leg when cross-province, and the link round trip.
        """
        env = self.env
        series = self.platform_series
        sent = env.now
        width, last = self.bin_seconds, self.last_bin
        b = int(sent // width)
        series.counters["arrivals"][b if b < last else last] += 1
        if (self.platform_faults and _any_active(self.platform_faults, sent)) or (
            cross and self.national_faults and _any_active(self.national_faults, sent)
        ):
            yield env.timeout(self.timeout)
            b = self._bin()
            series.count("timeouts", b)
            series.count("failed", b)
            if self.reverse_on_timeout:
                launch(self._reverse(applied=False))
            return "failed"
        slot = self.platform.acquire()
        if slot is not None:
            yield slot
        granted = env.now
        service = before + settle
        hold = service
        national_leg = 0.0
        if cross:
            national_links = self.national_link() + self.national_link()
            hold += national_links
            national = self.national_series
            asked = env.now
            national.counters["arrivals"][self._bin()] += 1
            nslot = self.national.acquire()
            if nslot is not None:
                yield nslot
            remote = self.remote()
            national.busy[self._bin()] += remote
            yield env.timeout(remote)
            self.national.release()
            nb = self._bin()
            national_leg = env.now - asked + national_links
            national.latency[nb][bucket_of(national_leg)] += 1
            national.counters["settled"][nb] += 1
        b = int(env.now // width)
        series.busy[b if b < last else last] += service
        yield env.timeout(hold)
        self.platform.release()
        latency = granted - sent + settle + national_leg + round_trip
        dropped = bool(self.link_faults) and _any_active(self.link_faults, env.now)
        b = int(env.now // width)
        b = b if b < last else last
        if latency > self.timeout or dropped:
            # The platform applied it, but the caller gave up: it must be reversed.
            series.count("timeouts", b)
            if self.reverse_on_timeout:
                launch(self._reverse(applied=True))
            return "timeouts"
        series.latency[b][bucket_of(latency)] += 1
        series.counters["settled"][b] += 1
        return "settled"

    def _reverse(self, *, applied: bool, perform: Sampler | None = None):
        """Send 2601 until the platform answers; counts a reversal once it is done.

        `perform` does the reversal and returns its service time (default: sampled).
        """
        env = self.env
        series = self.platform_series
        series.count("reversals_pending", self._bin())
        while _any_active(self.platform_faults, env.now):
            yield env.timeout(self.retry_interval)
        slot = self.platform.acquire()
        if slot is not None:
            yield slot
        took = (perform or self.reversal_time)()
        series.busy[self._bin()] += took
        yield env.timeout(took)
        self.platform.release()
        b = self._bin()
        series.count("reversals_pending", b, -1)
        if applied:
            series.count("reversals", b)

    def _sample_queues(self, until: float):
        env = self.env
        while env.now < until:
            b = self._bin()
            self.platform_series.queue[b] = self.platform.queue_length
            self.national_series.queue[b] = self.national.queue_length
            for pool, series in self.groups:
                series.queue[b] = pool.queue_length
            yield env.timeout(self.bin_seconds)


def launch(generator: Generator[simpy.Event, object, object]) -> None:
    """Run `generator` as a SimPy process, without the process's own start and end events.

    `env.process` schedules an event to start a process and another when it ends; a visit
    needs neither (nobody waits for it), and at national scale they are a third of all events.
    The first step runs at once, in the caller's step, at the same simulated time. Events
    yielded are always pending ones (a timeout, or a server's turn), so the callback resumes
    the generator exactly as SimPy's Process would; a failed event is thrown into it.
    """
    send, throw = generator.send, generator.throw

    def resume(event: simpy.Event) -> None:
        try:
            nxt = send(event._value) if event._ok else throw(event._value)
        except StopIteration:
            return
        nxt.callbacks.append(resume)

    try:
        first = next(generator)
    except StopIteration:
        return
    first.callbacks.append(resume)


def _any_active(faults: list[_Fault], now: float) -> bool:
    return any(f.start <= now < f.end for f in faults)


def _faults(profile: LoadProfile, kind: str, where: str) -> list[_Fault]:
    return [
        _Fault(kind, f.start_hour * 3600, f.start_hour * 3600 + f.duration_minutes * 60)
        for f in profile.faults
        if f.kind == kind and f.where == where
    ]


def bins_for(profile: LoadProfile, hours: float) -> tuple[int, float]:
    bin_seconds = profile.bin_minutes * 60
    return max(1, math.ceil(hours * 3600 / bin_seconds)), bin_seconds


def run_model(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float = 1.0,
    hours: float | None = None,
    provinces: Iterable[str] | None = None,
    progress: Progress | None = None,
    drain: bool = True,
) -> RunMetrics:
    """Simulate `provinces` (default all) of `profile` and return their figures.

    Arrivals stop after `hours`; with `drain` the run goes on until every visit in flight
    (and every reversal) has finished, so that the invariants can be checked exactly.
    """
    hours = profile.hours if hours is None else hours
    if scale <= 0:
        raise ValueError("scale must be positive")
    until = hours * 3600
    bins, bin_seconds = bins_for(profile, hours)
    metrics = RunMetrics(bins=bins, bin_seconds=bin_seconds)
    env = simpy.Environment()
    wanted = set(provinces) if provinces is not None else None
    for province in sorted(profile.provinces, key=lambda p: p.code):
        if wanted is None or province.code in wanted:
            ProvinceModel(env, profile, province, seed=seed, scale=scale, metrics=metrics).start(
                until
            )
    step = bin_seconds
    t = 0.0
    while t < until:
        t = min(until, t + step)
        env.run(until=t)
        if progress:
            progress(t, until)
    if drain:
        env.run()
    return metrics
