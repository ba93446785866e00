"""One self-contained HTML page (inline CSS, no scripts, no external resources): the summary
by requirement, the verdict of every case, and for each case that did not pass its procedure,
the expected and observed values and the trace."""

from __future__ import annotations

from html import escape
from pathlib import Path

from conformance.runner import HARNESS_VERSION, CaseResult, RunResult
from conformance.verdict import Verdict, combine

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2em;color:#1d2330}
h1{margin:0 0 .2em}h2{border-bottom:2px solid #d8dde6;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #d8dde6;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f2f4f8}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:12.5px;word-break:break-all}.v{font-weight:600;padding:1px 7px;border-radius:3px;white-space:nowrap}
.pass{background:#d9f2df;color:#14532d}.fail{background:#fbd5d5;color:#7f1d1d}.error{background:#fde2c7;color:#7c2d12}
.inconclusive{background:#fdf3c4;color:#713f12}.not-applicable{background:#e5e7eb;color:#374151}
.none{background:#e5e7eb}.badge{font-size:18px;padding:4px 12px}.meta td:first-child{width:14em;font-weight:600}
.case{border:1px solid #d8dde6;border-radius:6px;padding:.2em 1em 1em;margin:1.2em 0}
tr.bad td{background:#fff5f5}details summary{cursor:pointer;color:#334}
"""


def _v(verdict: Verdict | str) -> str:
    text = verdict.value if isinstance(verdict, Verdict) else verdict
    return f'<span class="v {text}">{escape(text)}</span>'


def _requirements(result: RunResult) -> str:
    rows: dict[str, tuple[str, str, list[CaseResult]]] = {}
    for r in result.results:
        for q in r.case.requirements:
            rows.setdefault(q.id, (q.reference, q.text, []))[2].append(r)
    out = [
        "<table><tr><th>requirement</th><th>clause</th><th>text</th><th>verdict</th><th>cases</th></tr>"
    ]
    for rid, (ref, text, cases) in sorted(rows.items()):
        run = [c.verdict for c in cases if c.verdict is not Verdict.NOT_APPLICABLE]
        overall = Verdict.NONE
        for v in run:
            overall = combine(overall, v)
        shown = overall if run else Verdict.NOT_APPLICABLE
        links = " ".join(
            f'<a href="#{escape(c.case.id)}">{escape(c.case.id)}</a>&nbsp;{_v(c.verdict)}'
            for c in cases
        )
        bad = ' class="bad"' if shown.is_bad else ""
        out.append(
            f"<tr{bad}><td><code>{escape(rid)}</code></td><td>{escape(ref)}</td><td>{escape(text)}</td>"
            f"<td>{_v(shown)}</td><td>{links}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _detail(r: CaseResult) -> str:
    case = r.case
    parts = [
        f'<div class="case" id="{escape(case.id)}"><h3>{escape(case.id)} {escape(case.title)} {_v(r.verdict)}</h3>',
        f"<p><b>Reason:</b> {escape(r.reason)}</p>",
        f"<p><b>Purpose:</b> {escape(case.purpose)}</p>",
        "<p><b>Requirements:</b> "
        + "; ".join(
            f"<code>{escape(q.id)}</code> ({escape(q.reference)})" for q in case.requirements
        )
        + "</p>",
        "<p><b>Initial conditions:</b></p><ul>"
        + "".join(f"<li>{escape(c)}</li>" for c in case.initial_conditions)
        + "</ul>",
        "<p><b>Procedure:</b></p><table><tr><th>step</th><th>action</th><th>expected result</th></tr>"
        + "".join(
            f"<tr><td>{i}</td><td>{escape(s.action)}</td><td>{escape(s.expected)}</td></tr>"
            for i, s in enumerate(case.procedure, 1)
        )
        + "</table>",
        "<p><b>Acceptance criteria:</b></p><ul>"
        + "".join(f"<li>{escape(c)}</li>" for c in case.acceptance)
        + "</ul>",
        "<p><b>Checks (expected vs observed):</b></p>"
        "<table><tr><th>step</th><th>check</th><th>expected</th><th>observed</th><th>verdict</th></tr>"
        + "".join(
            f"<tr{' class=bad' if c.verdict is not Verdict.PASS else ''}><td>{escape(c.step)}</td>"
            f"<td>{escape(c.what)}</td><td class=mono>{escape(c.expected)}</td>"
            f"<td class=mono>{escape(c.observed)}</td><td>{_v(c.verdict)}</td></tr>"
            for c in r.checks
        )
        + "</table>",
        "<p><b>Trace</b> (PINs masked):</p><table><tr><th>#</th><th>kind</th><th>sent</th><th>received</th><th>note</th></tr>"
        + "".join(
            f"<tr><td>{i}</td><td>{escape(e.kind)}</td><td class=mono>{escape(e.request)}</td>"
            f"<td class=mono>{escape(e.response)}</td><td>{escape(e.note)}</td></tr>"
            for i, e in enumerate(r.trace.exchanges, 1)
        )
        + "</table></div>",
    ]
    return "\n".join(parts)


def render(result: RunResult) -> str:
    counts = result.counts()
    overall = "pass" if result.ok else "fail"
    summary = " ".join(f"{_v(v)}&nbsp;{n}" for v, n in counts.items())
    suites = "".join(
        f"<tr><td>{escape(s.suite.name)}</td><td>{escape(s.suite.title)}</td><td>{escape(s.suite.version)}</td>"
        f"<td class=mono>{escape(s.fingerprint)}</td><td>{len(s.results)}</td>"
        f"<td><details><summary>PICS</summary><pre class=mono>"
        f"{escape(chr(10).join(f'{k}: {v}' for k, v in s.pics.model_dump(mode='json').items()))}</pre></details></td></tr>"
        for s in result.suites
    )
    cases = "".join(
        f'<tr{" class=bad" if r.verdict.is_bad else ""}><td><a href="#{escape(r.case.id)}">{escape(r.case.id)}</a></td>'
        f"<td>{escape(r.case.title)}</td><td>{escape(r.case.status.value)}, {escape(r.case.polarity.value)}, P{r.case.priority}</td>"
        f"<td>{_v(r.verdict)}</td><td>{escape(r.reason)}</td></tr>"
        for r in result.results
    )
    not_passed = [
        r
        for r in result.results
        if r.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE)
    ]
    details = "\n".join(_detail(r) for r in not_passed) or "<p>Every applicable case passed.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sscard conformance report</title>
<style>{_CSS}</style></head><body>
<h1>Conformance report <span class="v badge {overall}">{overall.upper()}</span></h1>
<table class="meta"><tr><td>Implementation under test</td><td>{escape(result.target.description)}</td></tr>
<tr><td>Target</td><td><code>{escape(result.target.name)}</code></td></tr>
<tr><td>Harness version</td><td>{HARNESS_VERSION}</td></tr>
<tr><td>Verdicts</td><td>{summary}</td></tr></table>
<h2>Suites</h2><table><tr><th>suite</th><th>title</th><th>version</th><th>implementation hash</th><th>cases</th><th>statement</th></tr>{suites}</table>
<h2>Summary by requirement</h2>{_requirements(result)}
<h2>Test cases</h2><table><tr><th>ID</th><th>title</th><th>tags</th><th>verdict</th><th>reason</th></tr>{cases}</table>
<h2>Cases that did not pass</h2>{details}
</body></html>
"""


def write_html(result: RunResult, path: Path) -> Path:
    path.write_text(render(result), encoding="utf-8")
    return path
