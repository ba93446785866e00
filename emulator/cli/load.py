"""`sscard load`: simulate settlement traffic from a load profile and report on it."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from emulator.load.calibrate import calibrate, write_profile
from emulator.load.capacity import peak_window, search_province
from emulator.load.distributed import (
    confidence_interval,
    replicate_on_ray,
    run_sharded_on_ray,
    sweep_on_ray,
)
from emulator.load.full import FullRefused, check_size, full_report, run_full
from emulator.load.live import (
    DEFAULT_BASE_URL,
    DEFAULT_HOSPITAL,
    LiveError,
    LiveOptions,
    live_report,
    run_live,
)
from emulator.load.profile import LoadProfile, ProfileError, load_profile, shipped_profiles
from emulator.load.real_system import SetupError
from emulator.load.report import build_report, load_report, write_report
from emulator.load.runner import describe, run_profile, shard_plan

app = typer.Typer(help="Peak settlement traffic: load models, runs, reports.", no_args_is_help=True)
console = Console()

FIDELITIES = ("model", "full")
COMPARE_FIGURES = (
    "arrivals",
    "settled",
    "timeouts",
    "reversals",
    "p50",
    "p95",
    "p99",
    "peak_utilisation",
)


def _profile_or_exit(source: str) -> LoadProfile:
    """The profile named or at `source`; a clear message and exit code 2 otherwise."""
    try:
        return load_profile(source)
    except ProfileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@app.command("profiles")
def profiles() -> None:
    """List the shipped load profiles."""
    table = Table("profile", "description")
    for name in shipped_profiles():
        table.add_row(name, load_profile(name).description)
    console.print(table)


@app.command("run")
def run(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    scale: float = typer.Option(1.0, help="shrink arrivals, institutions and servers alike"),
    seed: int = typer.Option(1, help="one seed determines the whole run"),
    hours: float | None = typer.Option(None, help="simulated hours (default: the profile's)"),
    report: Path | None = typer.Option(None, help="directory for run.json, CSV and report.html"),
    shards: int = typer.Option(0, help="split by province into this many shards (0: no sharding)"),
    ray: str | None = typer.Option(
        None, help="run the shards on Ray: 'local' (a local instance) or a cluster address"
    ),
    fidelity: str = typer.Option(
        "model", help="'model' (sampled service times) or 'full' (real card, reader, platform)"
    ),
    reader_mode: str = typer.Option(
        "psam", help="full fidelity: the reader's 'psam' or 'hsm' mode"
    ),
) -> None:
    """Run a profile (`model` fidelity by default) and print its figures."""
    prof = _profile_or_exit(profile)
    if scale <= 0:
        console.print("[red]--scale must be positive[/red]")
        raise typer.Exit(2)
    if fidelity not in FIDELITIES:
        console.print(f"[red]--fidelity must be one of {', '.join(FIDELITIES)}[/red]")
        raise typer.Exit(2)
    if fidelity == "full":
        if shards or ray is not None:
            console.print("[red]--fidelity full runs in one process: no --shards or --ray[/red]")
            raise typer.Exit(2)
        _run_full(prof, seed=seed, scale=scale, hours=hours, report=report, mode=reader_mode)
        return
    if ray is not None and not shards:
        shards = os.cpu_count() or 1
    plan = shard_plan(prof, shards) if shards else None
    if ray is not None:
        assert plan is not None
        console.print(f"running {len(plan)} shards on Ray ({ray})")
        started = time.perf_counter()
        metrics = run_sharded_on_ray(
            prof, seed=seed, scale=scale, hours=hours, shards=plan, address=ray
        )
        meta = describe(
            prof,
            seed=seed,
            scale=scale,
            hours=hours,
            wall=time.perf_counter() - started,
            shards=plan,
            executor=f"ray:{ray}",
        )
        _finish(build_report(meta, metrics), report)
        return
    with _sim_progress(prof, hours, f"simulating {prof.name}") as tick:
        metrics, meta = run_profile(
            prof, seed=seed, scale=scale, hours=hours, shards=plan, progress=None if plan else tick
        )
    _finish(build_report(meta, metrics), report)


def _run_full(
    prof: LoadProfile,
    *,
    seed: int,
    scale: float,
    hours: float | None,
    report: Path | None,
    mode: str,
) -> None:
    """The full fidelity: real calls, the platform's records checked after the run."""
    try:
        check_size(prof, scale, prof.hours if hours is None else hours)
    except FullRefused as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    started = time.perf_counter()
    with _sim_progress(prof, hours, f"{prof.name} (full)") as tick:
        try:
            result = run_full(
                prof, seed=seed, scale=scale, hours=hours, progress=tick, reader_mode=mode
            )
        except SetupError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    meta = describe(
        prof,
        seed=seed,
        scale=scale,
        hours=hours,
        wall=time.perf_counter() - started,
        shards=None,
        fidelity="full",
    )
    meta["reader_mode"] = mode
    meta["visits"] = result.visits
    _finish(full_report(meta, result), report)


@contextlib.contextmanager
def _sim_progress(prof: LoadProfile, hours: float | None, title: str):  # type: ignore[no-untyped-def]
    """A live progress bar in simulated time; yields the callback the simulation ticks."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        total = (hours or prof.hours) * 3600
        task = bar.add_task(title, total=total, clock="")

        def tick(now: float, until: float) -> None:
            bar.update(task, completed=now, clock=f"sim {now / 3600:6.2f} h / {until / 3600:.2f} h")

        yield tick


def _finish(doc: dict, report: Path | None) -> None:
    _print_summary(doc)
    if report is not None:
        files = write_report(report, doc)
        console.print(f"report: {files[-1]}  ({len(files)} files in {report})")
    if not all(c["holds"] for c in doc["invariants"]):
        raise typer.Exit(1)


@app.command("calibrate")
def calibrate_command(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    samples: int = typer.Option(200, min=3, help="real visits to measure"),
    output: Path = typer.Option(..., "-o", "--output", help="the calibrated profile (YAML)"),
    seed: int = typer.Option(1),
    reader_mode: str = typer.Option("psam", help="the reader's 'psam' or 'hsm' mode"),
) -> None:
    """Measure the full fidelity's real calls and write the profile with fitted service times."""
    try:
        prof = load_profile(profile)
        fitted, fits = calibrate(prof, samples=samples, seed=seed, reader_mode=reader_mode)
    except (ProfileError, SetupError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    table = Table("measured", "n", "sample mean ms", "fitted mean ms", "fitted cv")
    for name, fit in sorted(fits.items()):
        table.add_row(
            name,
            str(fit.n),
            f"{fit.sample_mean * 1000:.3f}",
            f"{fit.mean * 1000:.3f}",
            f"{fit.cv:.3f}",
        )
    console.print(table)
    header = (
        f"{prof.name}, service times calibrated from {samples} real visits"
        f" (sscard load calibrate {profile} --samples {samples} --seed {seed}"
        f" --reader-mode {reader_mode}).\nCard read and platform times are this machine's"
        " wall-clock measurements, fitted as lognormals; the rest is the original profile."
    )
    write_profile(output, fitted, header)
    console.print(f"calibrated profile: {output}")


@app.command("live")
def live(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    base_url: str = typer.Option(DEFAULT_BASE_URL, help="the HTTP service to load (loopback)"),
    compress: float = typer.Option(3600.0, help="simulated seconds per wall-clock second"),
    users: int = typer.Option(4, min=1, help="Locust users (concurrent callers)"),
    workers: int = typer.Option(0, min=0, help="Locust worker processes (0: one local runner)"),
    scale: float = typer.Option(1.0, help="shrink the arrivals"),
    hours: float | None = typer.Option(None, help="simulated hours (default: the profile's)"),
    seed: int = typer.Option(1),
    max_visits: int = typer.Option(2000, help="stop after this many visits"),
    max_seconds: float = typer.Option(600.0, help="stop after this many wall-clock seconds"),
    hospital: str = typer.Option(DEFAULT_HOSPITAL[0], help="institution code of the caller"),
    secret: str | None = typer.Option(None, help="its secret (default: the demo secret)"),
    region: str = typer.Option(DEFAULT_HOSPITAL[1], help="the hospital's region (admdvs)"),
    person: list[str] = typer.Option([], help="citizen ID of a patient (default: demo people)"),
    report: Path | None = typer.Option(None, help="directory for run.json, CSV and report.html"),
    allow_remote: bool = typer.Option(False, help="allow a base URL that is not loopback"),
) -> None:
    """Drive a live HTTP service with the profile through Locust; report like a simulation."""
    prof = _profile_or_exit(profile)
    options = LiveOptions(
        base_url=base_url,
        compress=compress,
        users=users,
        workers=workers,
        scale=scale,
        hours=hours,
        seed=seed,
        max_visits=max_visits,
        max_seconds=max_seconds,
        hospital=hospital,
        secret=secret,
        region=region,
        people=list(person),
        allow_remote=allow_remote,
    )
    console.print(f"live run of {prof.name} against {base_url} through Locust ...")
    try:
        result = run_live(prof, options, work=report / "locust" if report else None)
    except LiveError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    meta = describe(prof, seed=seed, scale=scale, hours=hours, wall=result.wall, shards=None)
    meta.update(
        fidelity="live",
        executor=f"locust:{workers} workers" if workers else "locust:local",
        base_url=options.base_url,
        compress=compress,
        users=users,
        visits=result.visits,
        hours=round(result.horizon * compress / 3600, 4),
    )
    doc = live_report(meta, result)
    for error in result.errors[:5]:
        console.print(f"[yellow]refused:[/yellow] {error}")
    _finish(doc, report)


@app.command("capacity")
def capacity(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    p99: float = typer.Option(
        ..., "--p99", help="target p99 of settlement latency at peak, seconds"
    ),
    scale: float = typer.Option(0.05, help="scale of the evaluation runs (0 < scale <= 1)"),
    seed: int = typer.Option(1),
) -> None:
    """The fewest servers per platform that keep the p99 at peak within the target."""
    prof = _profile_or_exit(profile)
    window = peak_window(prof)
    table = Table(
        "platform",
        "configured",
        "needed",
        "p99 at needed",
        "p99 at configured",
        title=f"{prof.name}: p99 <= {p99}s in the peak hour ({window.weekday} {window.hour:02d}:00)",
    )
    unreachable = False
    for province in prof.provinces:
        try:
            result = search_province(prof, province.code, p99, seed=seed, scale=scale)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            unreachable = True
            continue
        table.add_row(
            f"{province.code} {province.name}",
            str(result.configured),
            str(result.needed),
            str(result.p99_at_needed),
            str(result.p99_at_configured),
        )
    console.print(table)
    if unreachable:
        raise typer.Exit(1)


@app.command("replicate")
def replicate(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    replications: int = typer.Option(8, min=2, help="independent runs, seeds 1..N"),
    scale: float = typer.Option(0.01),
    hours: float | None = typer.Option(None),
    ray: str = typer.Option("local", help="'local' or a Ray cluster address"),
) -> None:
    """Replications on Ray: mean and 95% confidence interval of each figure."""
    prof = _profile_or_exit(profile)
    totals = replicate_on_ray(
        prof, seeds=range(1, replications + 1), scale=scale, hours=hours, address=ray
    )
    table = Table(
        "figure",
        "mean",
        "95% CI low",
        "95% CI high",
        title=f"{prof.name}: {replications} replications",
    )
    for kind in sorted(totals[0]):
        for figure in COMPARE_FIGURES:
            values = [t[kind][figure] for t in totals if t[kind][figure] is not None]
            if len(values) == len(totals):
                mean, low, high = confidence_interval(values)
                table.add_row(f"{kind} {figure}", f"{mean:.4g}", f"{low:.4g}", f"{high:.4g}")
    console.print(table)


SWEEP_FIGURES = ("settled", "timeouts", "reversals", "p99", "peak_utilisation")


@app.command("sweep")
def sweep(
    profile: str = typer.Argument(..., help="a shipped profile name or a YAML file"),
    field: str = typer.Option(
        ..., "--set", help="dotted profile field, e.g. provinces.0.platform_servers"
    ),
    values: str = typer.Option(..., help="comma-separated values for the field"),
    kind: str = typer.Option("platform", help="which institutions' totals to show"),
    replications: int = typer.Option(3, min=1, help="seeds 1..N per value"),
    scale: float = typer.Option(0.01),
    hours: float | None = typer.Option(None),
    ray: str = typer.Option("local", help="'local' or a Ray cluster address"),
) -> None:
    """A parameter sweep on Ray: the mean of each figure for every value of one field."""
    prof = _profile_or_exit(profile)
    parsed = [yaml.safe_load(v) for v in values.split(",") if v.strip()]
    try:
        results = sweep_on_ray(
            prof,
            path=field,
            values=parsed,
            seeds=range(1, replications + 1),
            scale=scale,
            hours=hours,
            address=ray,
        )
    except ProfileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    table = Table(field, *(f"{kind} {f} (mean)" for f in SWEEP_FIGURES), title=prof.name)
    for value, totals in results:
        row = [str(value)]
        for figure in SWEEP_FIGURES:
            seen = [t[kind][figure] for t in totals if t.get(kind, {}).get(figure) is not None]
            row.append(f"{confidence_interval(seen)[0]:.4g}" if seen else "")
        table.add_row(*row)
    console.print(table)


@app.command("compare")
def compare(directories: list[Path] = typer.Argument(..., help="report directories")) -> None:
    """Put the totals of several runs side by side."""
    reports = []
    for directory in directories:
        try:
            reports.append((directory, load_report(directory)))
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    table = Table(
        "figure", *(f"{d.name}\n{r['run']['profile']} x{r['run']['scale']}" for d, r in reports)
    )
    kinds = sorted({k for _, r in reports for k in r["summary"]["totals"]})
    for kind in kinds:
        for figure in COMPARE_FIGURES:
            row = [f"{kind} {figure}"]
            for _, r in reports:
                value = r["summary"]["totals"].get(kind, {}).get(figure)
                row.append("" if value is None else str(value))
            table.add_row(*row)
    table.add_row("wall seconds", *(str(r["run"]["wall_seconds"]) for _, r in reports))
    console.print(table)


def _print_summary(doc: dict) -> None:
    table = Table(
        title=f"{doc['run']['profile']} (seed {doc['run']['seed']}, scale {doc['run']['scale']})"
    )
    for column in (
        "",
        "arrivals",
        "settled",
        "timeouts",
        "reversals",
        "p50 s",
        "p95 s",
        "p99 s",
        "peak util",
    ):
        table.add_column(column, justify="right")
    for kind, fig in doc["summary"]["totals"].items():
        table.add_row(
            kind,
            str(fig["arrivals"]),
            str(fig["settled"]),
            str(fig["timeouts"]),
            str(fig["reversals"]),
            str(fig["p50"]),
            str(fig["p95"]),
            str(fig["p99"]),
            f"{fig['peak_utilisation']:.2f}",
        )
    console.print(table)
    broken = [c for c in doc["invariants"] if not c["holds"]]
    for check in broken:
        console.print(f"[red]BROKEN[/red] {check['name']}: {check['detail']}")
    held = len(doc["invariants"]) - len(broken)
    console.print(f"[green]{held} invariants hold[/green] (every settlement completed or reversed)")
    console.print(f"wall time {doc['run']['wall_seconds']} s")
