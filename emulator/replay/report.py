"""Printing a replay with rich: one line per step with its verdict, then a summary."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from emulator.replay.diff import Divergence
from emulator.replay.engine import ERROR, FAIL, NOT_EXECUTABLE, PASS, Report
from emulator.world.clock import format_at

STYLES = {PASS: "green", FAIL: "bold red", ERROR: "bold magenta", NOT_EXECUTABLE: "yellow"}


def print_report(console: Console, report: Report) -> None:
    sc = report.scenario
    table = Table(
        title=f"{sc.name}: {sc.title}", caption=f"{sc.file} · seed {report.seed} · "
        f"target {report.target.describe()}", expand=False, show_lines=False,
    )  # fmt: skip
    for column in ("#", "at", "who", "where", "does", "verdict", "detail"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        step = r.step
        detail = r.detail or _brief(r.outcome)
        table.add_row(
            str(step.index), format_at(r.started)[:-4], step.who,
            "" if step.where == step.who else step.where, step.do,
            f"[{STYLES[r.verdict]}]{r.verdict}[/]", f"line {step.line}: {detail}" if r.problems else detail,
        )  # fmt: skip
    console.print(table)
    counts = ", ".join(f"{report.count(v)} {v}" for v in STYLES if report.count(v))
    console.print(f"[bold]{sc.name}[/]: {counts}")


def _brief(outcome: dict[str, object]) -> str:
    """``field=value`` for what the step produced (``ok`` is the verdict's business)."""
    shown = [f"{k}={_text(v)}" for k, v in outcome.items() if k != "ok" and v is not None]
    return ", ".join(shown)[:160]


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)


def print_divergence(console: Console, a: str, b: str, d: Divergence | None) -> None:
    if d is None:
        console.print(f"[green]the traces agree[/] ({a}, {b})")
        return
    console.print(f"[bold]first divergence at record {d.index + 1}[/] "
                  f"({d.total[0]} and {d.total[1]} records)")  # fmt: skip
    for name, record in ((a, d.left), (b, d.right)):
        console.print(f"[cyan]{name}[/]:", json.dumps(record, ensure_ascii=False, sort_keys=True)
                      if record is not None else "(trace ended)", highlight=False, soft_wrap=True)  # fmt: skip
    if d.fields:
        console.print("fields that differ:", ", ".join(d.fields))
    console.print(f"{d.differing_after} more records differ after it")
