"""The canonical JSON report: deterministic for a given implementation, statement and suite
(keys sorted, no timestamps or durations), so two runs can be compared byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.runner import HARNESS_VERSION, CaseResult, RunResult


def _case(result: CaseResult) -> dict[str, Any]:
    return {
        "id": result.case.id,
        "title": result.case.title,
        "verdict": result.verdict.value,
        "reason": result.reason,
        "requirements": result.case.requirement_ids,
        "status": result.case.status.value,
        "polarity": result.case.polarity.value,
        "priority": result.case.priority,
        "checks": [c.as_dict() for c in result.checks],
        "trace": result.trace.as_list(),
    }


def document(result: RunResult) -> dict[str, Any]:
    """The report as plain data."""
    return {
        "format": "sscard-conformance-report/1",
        "harness_version": HARNESS_VERSION,
        "target": {"name": result.target.name, "description": result.target.description},
        "summary": {v.value: n for v, n in result.counts().items()},
        "passed": result.ok,
        "suites": [
            {
                "name": s.suite.name,
                "title": s.suite.title,
                "version": s.suite.version,
                "implementation_hash": s.fingerprint,
                "pics": s.pics.model_dump(mode="json"),
                "cases": [_case(r) for r in s.results],
            }
            for s in result.suites
        ],
    }


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def write_json(result: RunResult, path: Path) -> Path:
    path.write_text(canonical(document(result)), encoding="utf-8")
    return path
