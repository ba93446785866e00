"""Calibration: measure the full fidelity's real calls, fit the model's distributions.

`sscard load calibrate PROFILE --samples N -o calibrated.yaml` runs N visits back to back
through the real card, reader and platform (no queueing: an in-process call takes the same
time whatever the simulated queue), fits a lognormal to each transaction's wall-clock
durations and to the card read by maximum likelihood (mean and cv of the fitted lognormal),
and writes the profile with those service times; everything else is left as it was.

Every visit makes 1101, 2201, 2203, 2204, 2206 and 2207; every third visit then cancels its
settlement (2208), and every third reverses it (2601), so each transaction of the mix has
samples. The counter, links and the national leg are not software in this process: they keep
the profile's values.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import yaml

from emulator.load.distributions import Distribution
from emulator.load.full import CARD_READ, Measured, build_system, run_start
from emulator.load.profile import LoadProfile
from emulator.load.real_system import RealVisit, cancel, reverse, settle, visit_steps

ALL_OPTIONAL = frozenset({"2203", "2206"})


@dataclass(frozen=True)
class Fit:
    """A fitted lognormal and the sample it came from."""

    n: int
    sample_mean: float
    mean: float
    cv: float

    def distribution(self) -> Distribution:
        return Distribution(kind="lognormal", mean=_sig(self.mean), cv=_sig(self.cv))


def fit_lognormal(values: list[float]) -> Fit:
    """Maximum-likelihood lognormal of positive `values` (at least two)."""
    if len(values) < 2 or min(values) <= 0:
        raise ValueError("fitting a lognormal needs at least two positive samples")
    logs = [math.log(v) for v in values]
    mu = statistics.fmean(logs)
    s2 = statistics.pvariance(logs, mu)
    return Fit(
        n=len(values),
        sample_mean=statistics.fmean(values),
        mean=math.exp(mu + s2 / 2),
        cv=math.sqrt(math.expm1(s2)),
    )


def measure(
    profile: LoadProfile, *, samples: int, seed: int = 1, reader_mode: str = "psam"
) -> Measured:
    """Wall-clock samples of `samples` real visits (see the module docstring)."""
    if samples < 3:
        raise ValueError("--samples must be at least 3")
    start = run_start(profile)
    now = [start]
    system = build_system(
        profile, seed=seed, scale=1.0, clock=lambda: now[0], reader_mode=reader_mode
    )
    measured = Measured()
    try:
        patients = system.local + system.cross
        for i in range(samples):
            now[0] = start + dt.timedelta(seconds=i)
            hospital = system.hospitals[i % len(system.hospitals)]
            visit = RealVisit(hospital, patients[i % len(patients)], i + 1)
            took, visit.info = system.read_card(visit.patient)
            measured.add(CARD_READ, took)
            for infno, took in visit_steps(system, visit, set(ALL_OPTIONAL)):
                measured.add(infno, took)
            measured.add("2207", settle(system, visit))
            hospital.ledger.add(visit.setlinfo or {}, 1)
            if i % 3 == 1:
                measured.add("2208", cancel(system, visit))
            elif i % 3 == 2:
                took, _ = reverse(system, hospital, visit.settle_msgid, visit.psn_no, visit.insuplc)
                measured.add("2601", took)
                hospital.ledger.add(visit.setlinfo or {}, -1)
    finally:
        system.close()
    return measured


def calibrated_profile(profile: LoadProfile, fits: dict[str, Fit]) -> LoadProfile:
    """`profile` with the card read and every platform transaction it declares refitted."""
    services = profile.services
    platform = dict(services.platform)
    for infno in platform:
        if infno in fits:
            platform[infno] = fits[infno].distribution()
    update: dict = {"platform": platform}
    if CARD_READ in fits:
        update["card_read"] = fits[CARD_READ].distribution()
    return profile.model_copy(update={"services": services.model_copy(update=update)})


def calibrate(
    profile: LoadProfile, *, samples: int, seed: int = 1, reader_mode: str = "psam"
) -> tuple[LoadProfile, dict[str, Fit]]:
    measured = measure(profile, samples=samples, seed=seed, reader_mode=reader_mode)
    fits = {name: fit_lognormal(values) for name, values in measured.samples.items()}
    return calibrated_profile(profile, fits), fits


def write_profile(path: Path, profile: LoadProfile, header: str) -> None:
    """The profile as YAML `sscard load run` reads, with a comment header."""
    data = profile.model_dump(mode="json")
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_text(comment + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def _sig(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")
