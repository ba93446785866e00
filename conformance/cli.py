"""`sscard conformance` sub-commands: run, list, catalogue, mutants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from conformance.runner import CaseResult, RunResult, SuiteRun, run
from conformance.statement import StatementError
from conformance.targets import TargetError, parse_target
from conformance.verdict import Verdict

app = typer.Typer(
    help="conformance: requirement-traced suites, verdicts and reports", no_args_is_help=True
)
console = Console(stderr=True)
out = Console()

_STYLE = {
    Verdict.PASS: "green",
    Verdict.FAIL: "bold red",
    Verdict.ERROR: "bold magenta",
    Verdict.INCONCLUSIVE: "yellow",
    Verdict.NOT_APPLICABLE: "dim",
}


def _summary(result: RunResult) -> Table:
    table = Table(title=f"Conformance verdicts: {result.target.description}")
    table.add_column("suite")
    for verdict in _STYLE:
        table.add_column(verdict.value, justify="right", style=_STYLE[verdict])
    for suite_run in result.suites:
        counts = {v: 0 for v in Verdict}
        for r in suite_run.results:
            counts[r.verdict] += 1
        table.add_row(suite_run.suite.name, *[str(counts[v]) for v in _STYLE])
    totals = result.counts()
    table.add_row("[b]total[/b]", *[f"[b]{totals[v]}[/b]" for v in _STYLE])
    return table


def _problems(result: RunResult) -> Table | None:
    bad = [
        r
        for r in result.results
        if r.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE)
    ]
    if not bad:
        return None
    table = Table(title="Cases that did not pass")
    table.add_column("case")
    table.add_column("verdict")
    table.add_column("reason")
    for r in bad:
        table.add_row(r.case.id, f"[{_STYLE[r.verdict]}]{r.verdict}[/]", r.reason)
    return table


@app.command("run")
def run_command(
    suite: Annotated[
        list[str] | None, typer.Option("--suite", "-s", help="suite name (repeatable); default all")
    ] = None,
    target: Annotated[
        str, typer.Option(help="emulator | pcsc:<reader> | reader-lib:<path.so> | http:<base URL>")
    ] = "emulator",
    pics: Annotated[
        Path | None, typer.Option(help="PICS YAML: what the implementation claims")
    ] = None,
    pixit: Annotated[
        Path | None, typer.Option(help="PIXIT YAML: reader, keys, PINs, base URLs")
    ] = None,
    report: Annotated[
        Path, typer.Option(help="directory for the JSON, JUnit and HTML reports")
    ] = Path("conformance-report"),
    case: Annotated[
        list[str] | None, typer.Option("--case", "-k", help="only cases whose ID starts with this")
    ] = None,
) -> None:
    """Run suites against a target; exit code 1 on any fail or error."""
    from conformance.registry import suites_named
    from conformance.reports import write_all

    try:
        chosen = suites_named(suite)
        the_target = parse_target(target)
    except (KeyError, TargetError) as exc:
        console.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2) from exc
    prefixes = tuple(case or ())
    total = sum(1 for s in chosen for c in s.cases if not prefixes or c.id.startswith(prefixes))
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("conformance", total=total, last="")

        def advance(suite_run: SuiteRun, result: CaseResult) -> None:
            progress.update(
                task,
                advance=1,
                description=suite_run.suite.name,
                last=f"{result.case.id} [{_STYLE[result.verdict]}]{result.verdict}[/]",
            )

        try:
            result = run(
                chosen,
                the_target,
                pics,
                pixit,
                advance,
                (lambda c: c.id.startswith(prefixes)) if prefixes else None,
            )
        except StatementError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    out.print(_summary(result))
    problems = _problems(result)
    if problems is not None:
        out.print(problems)
    paths = write_all(result, report)
    out.print("reports: " + ", ".join(str(p) for p in paths.values()))
    raise typer.Exit(0 if result.ok else 1)


@app.command("list")
def list_command(suite: Annotated[list[str] | None, typer.Option("--suite", "-s")] = None) -> None:
    """List the test cases with their requirements."""
    from conformance.registry import suites_named

    table = Table(title="Conformance test cases")
    for column in ("ID", "title", "requirements", "tags"):
        table.add_column(column)
    for s in suites_named(suite):
        for c in s.cases:
            table.add_row(
                c.id,
                c.title,
                " ".join(c.requirement_ids),
                f"{c.status.value}, {c.polarity.value}, P{c.priority}",
            )
    out.print(table)


@app.command("catalogue")
def catalogue_command(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write here instead of stdout")
    ] = None,
) -> None:
    """Generate the test catalogue (Markdown) from the test cases."""
    from conformance.catalogue import render

    text = render()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


@app.command("mutants")
def mutants_command(
    mutant: Annotated[
        list[str] | None, typer.Option("--mutant", "-m", help="only these mutants")
    ] = None,
) -> None:
    """Run every mutant against its suites and print which tests kill it; exit 1 if one lives."""
    from conformance.mutants import run_mutants

    table = Table(title="Mutants and the tests that kill them")
    table.add_column("mutant", no_wrap=True)
    for column in ("component", "defect", "killed by", "state"):
        table.add_column(column)
    outcomes = run_mutants(mutant or None)
    for o in outcomes:
        state = "[green]killed[/]" if o.killed else "[bold red]LIVES[/]"
        table.add_row(
            o.mutant.name, o.mutant.component, o.mutant.defect, " ".join(o.killers) or "-", state
        )
    out.print(table)
    alive = [o for o in outcomes if not o.killed]
    out.print(f"{len(outcomes) - len(alive)} of {len(outcomes)} mutants killed")
    raise typer.Exit(1 if alive else 0)
