"""Live mode: the profile, compressed in time, drives a real HTTP service through Locust.

`sscard load live PROFILE --base-url URL` signs the hospital in, files the cross-province
patients (2501), notes the platform's reconciliation totals (3201), runs Locust headless
(`emulator/load/locustfile.py`; with `--workers N` a master and N workers, all bound to
127.0.0.1), then turns the visits recorded into the report format of a simulated run and
checks the run against the platform with 3201: the platform's totals must have moved by
exactly what the hospital's books say it settled.

Load goes only to the base URL given, and only to a loopback host unless `allow_remote`.
Runs are bounded in visits (`max_visits`) and in time (`max_seconds`, and Locust's
`--run-time`), and the Locust processes are killed if they overrun.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from emulator.load.live_visit import ENDPOINT, Caller
from emulator.load.metrics import RunMetrics, bucket_of
from emulator.load.model import bins_for
from emulator.load.profile import LoadProfile
from emulator.load.summary import Invariant
from emulator.population import mask_id

DEFAULT_BASE_URL = "http://127.0.0.1:8600"  # where `sscard backends serve` listens
DEFAULT_HOSPITAL = ("H44030000001", "440300")  # a demo hospital of `sscard backends serve`
OUTPATIENT_CLR_TYPE = "11"
OUTCOME_COUNTER = {"settled": "settled", "timeouts": "timeouts", "failed": "failed"}


class LiveError(ValueError):
    """A live run cannot start (the message says why)."""


def check_base_url(url: str, allow_remote: bool = False) -> str:
    """`url` without a trailing slash, or LiveError when it is not a loopback http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LiveError(f"--base-url {url!r} is not an http(s) URL with a host")
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise LiveError(
            f"--base-url host {host} is not a loopback address: live load goes to 127.0.0.1,"
            " ::1 or localhost unless you pass --allow-remote"
        )
    return url.rstrip("/")


@dataclass
class LiveOptions:
    base_url: str = DEFAULT_BASE_URL
    compress: float = 3600.0
    users: int = 4
    workers: int = 0
    scale: float = 1.0
    hours: float | None = None
    seed: int = 1
    max_visits: int = 2000
    max_seconds: float = 600.0
    hospital: str = DEFAULT_HOSPITAL[0]
    secret: str | None = None
    region: str = DEFAULT_HOSPITAL[1]
    people: list[str] = field(default_factory=list)
    allow_remote: bool = False


def demo_people() -> list[str]:
    """The citizen IDs of the demo insured people of `sscard backends serve`."""
    from backends.medical.seed import DEMO_PEOPLE, demo_certno

    return [demo_certno(row[0]) for row in DEMO_PEOPLE]


class Platform:
    """The service under load, reached over HTTP as the hospital (setup and checks only)."""

    def __init__(self, options: LiveOptions) -> None:
        secret = options.secret if options.secret is not None else f"demo-{options.hospital}"
        self.secret = secret
        self.client = httpx.Client(
            base_url=options.base_url, auth=(options.hospital, secret), timeout=30
        )
        self.caller = Caller(options.hospital, options.region, "")

    def call(self, infno: str, payload: dict[str, Any], insuplc: str = "") -> dict[str, Any]:
        body = self.caller.envelope(infno, payload, insuplc)
        try:
            response = self.client.post(ENDPOINT, json=body)
        except httpx.HTTPError as exc:
            raise LiveError(f"{self.client.base_url}: {type(exc).__name__}: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            raise LiveError(f"{infno}: HTTP {response.status_code}, not an infno answer") from None
        if answer.get("infcode") != 0:
            raise LiveError(f"{infno}: {answer.get('err_msg')}")
        return answer["output"]

    def sign_in(self) -> str:
        sign_no = self.call("9001", {"signIn": {"opter_no": "load"}})["signinoutb"]["sign_no"]
        self.caller.sign_no = sign_no
        return sign_no

    def statement(self, insutype: str, claim: dict[str, Any], day: dt.date) -> dict[str, Any]:
        data = {
            "insutype": insutype,
            "clr_type": OUTPATIENT_CLR_TYPE,
            "setl_optins": self.caller.region,
            "stmt_begndate": (day - dt.timedelta(days=1)).isoformat(),
            "stmt_enddate": (day + dt.timedelta(days=1)).isoformat(),
            **claim,
        }
        return self.call("3201", {"data": data})["stmtinfo"]

    def close(self) -> None:
        self.client.close()


ZERO_CLAIM = {
    "medfee_sumamt": "0",
    "fund_pay_sumamt": "0",
    "acct_pay": "0",
    "fixmedins_setl_cnt": 0,
}


def prepare(platform: Platform, people: list[str]) -> tuple[list[str], list[str], dict[str, dict]]:
    """Local and cross-province patients (the latter filed by 2501) and the 3201 baselines."""
    local, cross, insutypes = [], [], set()
    region = platform.caller.region
    for certno in people:
        found = platform.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno}})
        if not found.get("insuinfo") or "psn_no" not in found.get("baseinfo", {}):
            raise LiveError(f"1101 for {mask_id(certno)}: the answer has no baseinfo/insuinfo")
        insurance = found["insuinfo"][0]
        insutypes.add(insurance["insutype"])
        if insurance["insuplc_admdvs"][:2] == region[:2]:
            local.append(certno)
            continue
        referral = {
            "psn_no": found["baseinfo"]["psn_no"],
            "insutype": insurance["insutype"],
            "mdtrtarea_admdvs": region,
        }
        platform.call("2501", {"refmedin": referral}, insurance["insuplc_admdvs"])
        cross.append(certno)
    today = dt.datetime.now(dt.UTC).date()
    baseline = {t: platform.statement(t, ZERO_CLAIM, today) for t in sorted(insutypes)}
    return local, cross, baseline


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def locust_commands(
    settings_files: list[Path],
    options: LiveOptions,
    run_seconds: float,
    stop_timeout: float,
    stats_prefix: Path,
) -> list[list[str]]:
    """The Locust processes: one local runner, or a master and its workers (loopback only)."""
    locustfile = str(Path(__file__).with_name("locustfile.py"))
    base = [sys.executable, "-m", "locust", "-f", locustfile, "--loglevel", "WARNING"]
    head = [
        "--headless",
        "--host", options.base_url,
        "--users", str(options.users),
        "--spawn-rate", str(options.users),
        "--run-time", f"{max(1, math.ceil(run_seconds))}s",
        "--stop-timeout", str(math.ceil(stop_timeout)),
        "--csv", str(stats_prefix),
        "--only-summary",
    ]  # fmt: skip
    if not options.workers:
        return [base + head]
    port = free_port()
    master = base + head + [
        "--master",
        "--master-bind-host", "127.0.0.1",
        "--master-bind-port", str(port),
        "--expect-workers", str(options.workers),
    ]  # fmt: skip
    workers = [
        [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        for _ in settings_files
    ]
    return [master, *workers]


def run_locust(
    profile: LoadProfile, options: LiveOptions, settings: dict[str, Any], work: Path
) -> tuple[float, float]:
    """Run Locust to completion (killed if it overruns); returns (wall seconds, horizon)."""
    hours = profile.hours if options.hours is None else options.hours
    horizon = min(hours * 3600 / options.compress, options.max_seconds)
    stop_timeout = settings["timeout"] * 2 + 10
    processes = max(1, options.workers)
    files = []
    for index in range(processes):
        path = work / f"settings-{index}.json"
        part = dict(settings, horizon=horizon, process_index=index)
        part["max_visits"] = math.ceil(options.max_visits / processes)
        path.write_text(json.dumps(part), "utf-8")
        files.append(path)
    commands = locust_commands(files, options, horizon, stop_timeout, work / "locust")
    started = time.perf_counter()
    running = []
    for i, command in enumerate(commands):
        # The master runs no users: worker k reads settings file k (its seeds and budget).
        settings_file = files[max(0, i - 1)] if options.workers else files[0]
        env = dict(os.environ, SSCARD_LOAD_LIVE=str(settings_file))
        with (work / f"locust-{i}.log").open("wb") as log:
            running.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = horizon + stop_timeout + 60
    try:
        for proc in running:
            remaining = max(1.0, deadline - (time.perf_counter() - started))
            proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        pass
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return time.perf_counter() - started, horizon


def collect(results: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(results.glob("visits-*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def metrics_from(
    records: list[dict[str, Any]], profile: LoadProfile, options: LiveOptions, hours: float
) -> RunMetrics:
    """The visits as the model's series: simulated time = wall time x compress; latencies are
    real seconds; utilisation is the share of the users with a request in flight."""
    bins, bin_seconds = bins_for(profile, hours)
    metrics = RunMetrics(bins=bins, bin_seconds=bin_seconds)
    hospital = metrics.get(f"hospital:{options.hospital}", options.users)
    platform = metrics.get(f"platform:{options.region}", options.users)
    national = metrics.get(f"national:{options.region}", options.users)
    for r in records:
        b = min(bins - 1, int(r["arrived"] * options.compress // bin_seconds))
        done = min(bins - 1, int(r["done"] * options.compress // bin_seconds))
        outcome = r["outcome"]
        hospital.count("arrivals", b)
        hospital.count(OUTCOME_COUNTER.get(outcome, "failed"), done)
        hospital.latency[done][bucket_of(r["latency"])] += 1
        end = r["done"] * options.compress
        begin = end - sum(r["steps"].values()) * options.compress
        for series in (hospital, platform):
            spread(series.busy, begin, end, bin_seconds)
        if "settle_latency" not in r:
            continue  # abandoned before the settlement: the 2207 was never sent
        platform.count("arrivals", b)
        if outcome == "settled":
            platform.count("settled", done)
            platform.latency[done][bucket_of(r["settle_latency"])] += 1
            if r["cross"]:
                national.count("arrivals", b)
                national.count("settled", done)
                national.latency[done][bucket_of(r["settle_latency"])] += 1
        elif outcome == "timeouts":
            platform.count("timeouts", done)
            reversal = r.get("reversal")
            if reversal == "reversed":
                platform.count("reversals", done)
            elif reversal == "blocked":
                platform.count("failed", done)
            else:
                platform.count("reversals_pending", done)
        else:
            platform.count("failed", done)
    return metrics


def spread(busy: list[float], begin: float, end: float, bin_seconds: float) -> None:
    """Add the interval [begin, end) of simulated time to the bins it overlaps."""
    last = len(busy) - 1
    first = max(0, int(begin // bin_seconds))
    for b in range(first, min(last, int(end // bin_seconds)) + 1):
        low, high = max(begin, b * bin_seconds), min(end, (b + 1) * bin_seconds)
        if b == last:
            high = end  # time past the last bin is the drain: it belongs to the last bin
        if high > low:
            busy[b] += high - low


def books(records: list[dict[str, Any]]) -> dict[str, dict[str, Decimal | int]]:
    """The hospital's books per insutype: settlements it was told of and did not cancel."""
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "medfee_sumamt": Decimal(0),
            "fund_pay_sumamt": Decimal(0),
            "acct_pay": Decimal(0),
            "count": 0,
        }
    )
    for r in records:
        if r["outcome"] != "settled" or r.get("cancelled"):
            continue
        row = totals[r["insutype"]]
        for key in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay"):
            row[key] += Decimal(r["settlement"][key])
        row["count"] += 1
    return totals


def reconciliation(
    platform: Platform, baseline: dict[str, dict], records: list[dict[str, Any]]
) -> list[Invariant]:
    """3201 with claim = the platform's totals before the run + the hospital's books."""
    mine = books(records)
    today = dt.datetime.now(dt.UTC).date()
    checks = []
    for insutype, before in baseline.items():
        row = mine.get(
            insutype, {"medfee_sumamt": 0, "fund_pay_sumamt": 0, "acct_pay": 0, "count": 0}
        )
        claim = {
            key: str(Decimal(str(before[key])) + row[key])
            for key in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
        }
        claim["fixmedins_setl_cnt"] = before["fixmedins_setl_cnt"] + row["count"]
        stmt = platform.statement(insutype, claim, today)
        checks.append(
            Invariant(
                f"3201 reconciliation of {platform.caller.code} (insutype {insutype}): the run's"
                " settlements balance on the platform",
                stmt["stmt_rslt"] == "0",
                f"{row['count']} settled in this run; {stmt['stmt_rslt_dscr']}",
            )
        )
    return checks


@dataclass
class LiveRun:
    metrics: RunMetrics
    checks: list[Invariant]
    visits: int
    wall: float
    horizon: float
    errors: list[str]
    locust_stats: Path | None


def run_live(profile: LoadProfile, options: LiveOptions, work: Path | None = None) -> LiveRun:
    """Prepare, run Locust, collect, check. `work` keeps Locust's CSVs (default: a temp dir)."""
    options.base_url = check_base_url(options.base_url, options.allow_remote)
    if options.compress <= 0 or options.users < 1 or options.workers < 0 or options.scale <= 0:
        raise LiveError("--compress and --scale must be positive, --users at least 1")
    if options.max_visits < 1 or options.max_seconds <= 0:
        raise LiveError("--max-visits and --max-seconds must be positive")
    hours = profile.hours if options.hours is None else options.hours
    platform = Platform(options)
    temp = tempfile.mkdtemp(prefix="sscard-live-")
    try:
        sign_no = platform.sign_in()
        local, cross, baseline = prepare(platform, options.people or demo_people())
        if not local and not cross:
            raise LiveError("no patients: give --person CERTNO for people the service knows")
        results = Path(temp)
        settings = {
            "profile": profile.model_dump(mode="json"),
            "hospital": options.hospital,
            "secret": platform.secret,
            "region": options.region,
            "sign_no": sign_no,
            "results": str(results),
            "users": options.users,
            "scale": options.scale,
            "compress": options.compress,
            "seed": options.seed,
            "timeout": profile.behaviour.timeout,
            "local": local,
            "cross": cross,
        }
        wall, horizon = run_locust(profile, options, settings, results)
        records = collect(results)
        if not records:
            logs = "".join(p.read_text("utf-8", "replace") for p in sorted(results.glob("*.log")))
            tail = "\n".join(logs.strip().splitlines()[-8:])
            raise LiveError(f"Locust recorded no visit; its log ends:\n{tail}")
        checks = reconciliation(platform, baseline, records)
        stats = None
        if work is not None:
            work.mkdir(parents=True, exist_ok=True)
            for path in [*results.glob("locust*.csv"), *results.glob("locust-*.log")]:
                shutil.copy(path, work / path.name)
            stats = work
        errors = sorted({r["error"] for r in records if "error" in r})
        metrics = metrics_from(
            records, profile, options, min(hours, horizon * options.compress / 3600)
        )
        return LiveRun(metrics, checks, len(records), wall, horizon, errors, stats)
    finally:
        platform.close()
        shutil.rmtree(temp, ignore_errors=True)


def live_report(meta: dict, run: LiveRun) -> dict:
    """The report of a live run, in the format of a simulated one."""
    from emulator.load.report import build_report

    doc = build_report(meta, run.metrics)
    doc["invariants"] += [
        {"name": c.name, "holds": c.holds, "detail": c.detail} for c in run.checks
    ]
    doc["errors"] = run.errors
    return doc
