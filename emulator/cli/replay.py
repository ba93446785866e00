"""`sscard replay FILE...` and `sscard replay --diff A.jsonl B.jsonl`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Replay scenario files, or compare two traces.")


@app.command()
def replay(
    files: Annotated[list[Path] | None, typer.Argument(help="scenario files (YAML)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)")] = None,
    trace: Annotated[Path | None, typer.Option(help="write the trace (JSON lines) here")] = None,
    target: Annotated[str | None, typer.Option(help="emulator (the default), or use --backend-url/--reader")] = None,
    backend_url: Annotated[str | None, typer.Option(help="live back-ends, e.g. http://127.0.0.1:8600")] = None,
    reader: Annotated[str | None, typer.Option(help="live card in a PC/SC reader: pcsc:<name or index>")] = None,
    export_cards: Annotated[Path | None, typer.Option(help="write each card's image as made (for `sscard card serve`) to this directory")] = None,
    diff: Annotated[tuple[Path, Path] | None, typer.Option(help="compare two traces: --diff A.jsonl B.jsonl")] = None,
) -> None:  # fmt: skip
    """Replay scenarios step by step and print each verdict; exit 1 on any failure."""
    console = Console()
    if diff is not None:
        raise typer.Exit(_diff(console, *diff))
    if not files:
        console.print("[red]give scenario files to replay, or --diff A.jsonl B.jsonl[/]")
        raise typer.Exit(2)
    if target is not None and (backend_url is not None or reader is not None):
        console.print("[red]--target emulator excludes --backend-url and --reader[/]")
        raise typer.Exit(2)
    if target not in (None, "emulator"):
        console.print(
            f"[red]--target must be 'emulator' (live systems: --backend-url, --reader), got {target!r}[/]"
        )
        raise typer.Exit(2)
    if reader is not None and not reader.startswith("pcsc:"):
        console.print(f"[red]--reader must be pcsc:<reader name or index>, got {reader!r}[/]")
        raise typer.Exit(2)
    raise typer.Exit(_replay(console, files, seed, trace, backend_url, reader, export_cards))


def _replay(
    console: Console, files: list[Path], seed: int | None, trace: Path | None,
    backend_url: str | None, reader: str | None, export_cards: Path | None = None,
) -> int:  # fmt: skip
    from emulator.replay.engine import ERROR, FAIL, NOT_EXECUTABLE, run_scenario
    from emulator.replay.loader import ScenarioErrors, load_scenario
    from emulator.replay.report import print_report
    from emulator.world.world import Target

    try:
        scenarios = [load_scenario(f) for f in files]
    except ScenarioErrors as exc:
        for error in exc.errors:
            console.print(f"[red]{error}[/]", highlight=False)
        return 2
    target = Target(backend_url, reader)
    lines: list[str] = []
    failed = skipped = 0
    for scenario in scenarios:
        report = run_scenario(scenario, seed, target)
        print_report(console, report)
        lines.append(report.trace.lines())
        if export_cards is not None:
            _export(console, export_cards, report.chips)
        failed += report.count(FAIL) + report.count(ERROR)
        skipped += report.count(NOT_EXECUTABLE)
    if trace is not None:
        trace.write_text("".join(lines), encoding="utf-8")
        console.print(f"trace written to {trace}")
    if failed:
        console.print(f"[bold red]{failed} step(s) failed[/]")
        return 1
    if skipped:
        console.print(f"[yellow]{skipped} step(s) could not be executed against the target[/]")
        return 3
    return 0


def _export(console: Console, directory: Path, chips: dict[str, dict[str, object]]) -> None:
    from card_os.image import to_json

    directory.mkdir(parents=True, exist_ok=True)
    for name, image in chips.items():
        (directory / f"{name}.json").write_text(to_json(image), encoding="utf-8")
        console.print(f"card image {directory / (name + '.json')}")


def _diff(console: Console, a: Path, b: Path) -> int:
    from emulator.replay.diff import TraceError, diverge, read_trace
    from emulator.replay.report import print_divergence

    try:
        left, right = read_trace(a), read_trace(b)
    except TraceError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    divergence = diverge(left, right)
    print_divergence(console, str(a), str(b), divergence)
    return 0 if divergence is None else 1
