"""Load-run reports: run.json, one CSV per institution, and a self-contained HTML page."""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path

from emulator.load import svg
from emulator.load.metrics import RunMetrics
from emulator.load.summary import invariants, kind_of, merged_kind, run_summary, time_series

REPORT_FORMAT = "sscard-load-report/1"
KIND_TITLES = {
    "platform": "provincial platforms",
    "national": "national platform",
    "hospital": "hospitals",
}


def build_report(meta: dict, metrics: RunMetrics) -> dict:
    """The whole report as one JSON-ready document."""
    hours = [round(i * metrics.bin_seconds / 3600, 4) for i in range(metrics.bins)]
    checks = invariants(metrics)
    return {
        "format": REPORT_FORMAT,
        "run": meta,
        "bin_hours": hours,
        "summary": run_summary(metrics),
        "invariants": [{"name": c.name, "holds": c.holds, "detail": c.detail} for c in checks],
        "series": {
            key: time_series(s, metrics.bin_seconds) for key, s in sorted(metrics.series.items())
        },
        "totals_series": {
            kind: time_series(merged_kind(metrics, kind), metrics.bin_seconds)
            for kind in sorted({kind_of(k) for k in metrics.series})
        },
    }


def write_report(directory: Path, report: dict) -> list[Path]:
    """Write run.json, series/*.csv and report.html; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "run.json"]
    written[0].write_text(json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True))
    series_dir = directory / "series"
    series_dir.mkdir(exist_ok=True)
    for key, columns in {**report["series"], **_prefixed(report["totals_series"])}.items():
        path = series_dir / f"{key.replace(':', '_')}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            names = list(columns)
            writer.writerow(["hour", *names])
            for i, hour in enumerate(report["bin_hours"]):
                writer.writerow([hour, *(_cell(columns[n][i]) for n in names)])
        written.append(path)
    html = directory / "report.html"
    html.write_text(render_html(report), encoding="utf-8")
    written.append(html)
    return written


def load_report(directory: Path) -> dict:
    path = directory / "run.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a load report ({exc})") from exc
    if report.get("format") != REPORT_FORMAT:
        raise ValueError(f"{path}: not a load report (format {report.get('format')!r})")
    return report


def _prefixed(totals: dict) -> dict:
    return {f"total:{kind}": columns for kind, columns in totals.items()}


def _cell(value: object) -> object:
    return "" if value is None else value


def render_html(report: dict) -> str:
    run = report["run"]
    hours = report["bin_hours"]
    totals = report["totals_series"]
    charts = []
    for kind in ("platform", "national", "hospital"):
        if kind not in totals:
            continue
        cols = totals[kind]
        title = KIND_TITLES[kind]
        charts.append(
            svg.line_chart(
                f"Throughput, {title}",
                hours,
                {"settled per s": cols["throughput_per_s"]},
                x_label="simulated hours from start",
                y_label="per second",
            )
        )
        charts.append(
            svg.line_chart(
                f"Latency percentiles, {title}",
                hours,
                {"p50": cols["p50"], "p95": cols["p95"], "p99": cols["p99"]},
                x_label="simulated hours from start",
                y_label="seconds",
            )
        )
        charts.append(
            svg.line_chart(
                f"Queue length, {title}",
                hours,
                {"waiting": cols["queue"]},
                x_label="simulated hours from start",
                y_label="requests waiting",
            )
        )
    institutions = report["summary"]["institutions"]
    utilisation = {
        key.split(":", 1)[1]: fig["utilisation"]
        for key, fig in institutions.items()
        if kind_of(key) in ("platform", "national")
    }
    peak = {
        key.split(":", 1)[1]: fig["peak_utilisation"]
        for key, fig in institutions.items()
        if kind_of(key) == "platform"
    }
    charts.append(
        svg.bar_chart("Mean utilisation per platform", utilisation, y_label="share", y_max=1.0)
    )
    charts.append(
        svg.bar_chart("Peak-bin utilisation per platform", peak, y_label="share", y_max=1.0)
    )
    rows = "".join(_summary_row(kind, fig) for kind, fig in report["summary"]["totals"].items())
    inst_rows = "".join(
        _summary_row(key, fig)
        for key, fig in institutions.items()
        if kind_of(key) != "hospital" or len(institutions) <= 200
    )
    checks = "".join(
        f'<tr class="{"ok" if c["holds"] else "bad"}"><td>{"holds" if c["holds"] else "BROKEN"}</td>'
        f"<td>{escape(c['name'])}</td><td>{escape(c['detail'])}</td></tr>"
        for c in report["invariants"]
    )
    meta = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in run.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>sscard load report: {escape(str(run.get("profile", "")))}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}
th {{ background: #f3f3f3; }} td:first-child, th:first-child {{ text-align: left; }}
table.text td {{ text-align: left; }}
tr.bad td {{ background: #fdd; }} tr.ok td:first-child {{ color: #080; }}
.charts svg {{ display: block; margin: 1em 0; border: 1px solid #eee; }}
</style></head><body>
<h1>Load report: {escape(str(run.get("profile", "")))}</h1>
<p>{escape(str(run.get("description", "")))}</p>
<h2>Run</h2><table class="text">{meta}</table>
<h2>Totals</h2><table>{_summary_head()}{rows}</table>
<h2>Invariants</h2><table class="text"><tr><th>verdict</th><th>invariant</th><th>detail</th></tr>{checks}</table>
<h2>Over simulated time</h2><div class="charts">{"".join(charts)}</div>
<h2>Per institution</h2><table>{_summary_head()}{inst_rows}</table>
</body></html>
"""


SUMMARY_COLUMNS = (
    "capacity",
    "arrivals",
    "settled",
    "timeouts",
    "reversals",
    "failed",
    "success_rate",
    "throughput_per_s",
    "peak_throughput_per_s",
    "p50",
    "p95",
    "p99",
    "max_queue",
    "utilisation",
    "peak_utilisation",
)


def _summary_head() -> str:
    return "<tr><th>institution</th>" + "".join(f"<th>{c}</th>" for c in SUMMARY_COLUMNS) + "</tr>"


def _summary_row(name: str, fig: dict) -> str:
    cells = "".join(f"<td>{'' if fig[c] is None else fig[c]}</td>" for c in SUMMARY_COLUMNS)
    return f"<tr><td>{escape(name)}</td>{cells}</tr>"
