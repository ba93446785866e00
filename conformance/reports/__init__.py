"""Reports of a run: canonical JSON, JUnit XML and a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

from conformance.reports.html import write_html
from conformance.reports.json_report import write_json
from conformance.reports.junit import write_junit
from conformance.runner import RunResult


def write_all(result: RunResult, directory: Path) -> dict[str, Path]:
    """Write every report into `directory` (created if needed); returns their paths by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "json": write_json(result, directory / "conformance.json"),
        "junit": write_junit(result, directory / "junit.xml"),
        "html": write_html(result, directory / "report.html"),
    }
