"""Live mode: Locust drives `sscard backends serve` on 127.0.0.1; the report reads like a
simulated run's and the platform's reconciliation balances."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from backends.core.db import Database
from emulator.cli import app
from emulator.load.live import LiveError, check_base_url, spread

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`sscard backends serve` on a free loopback port over a file SQLite database."""
    db = tmp_path_factory.mktemp("live") / "platform.sqlite"
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backends.cli",
            "serve",
            "--db",
            f"sqlite:///{db}",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("sscard backends serve did not start")
        yield url, db
    finally:
        proc.kill()
        proc.wait()


def test_a_live_run_reports_like_a_simulation_and_reconciles(served, tmp_path):
    url, db = served
    out = tmp_path / "live"
    result = runner.invoke(
        app,
        [
            "load", "live", "hospital-morning",
            "--base-url", url,
            "--scale", "0.03", "--hours", "3", "--compress", "3600", "--users", "3",
            "--max-visits", "200", "--report", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    assert report["format"] == "sscard-load-report/1"
    assert report["run"]["fidelity"] == "live" and report["run"]["base_url"] == url
    platform = report["summary"]["totals"]["platform"]
    assert platform["arrivals"] == report["run"]["visits"] > 0
    assert platform["settled"] + platform["timeouts"] == platform["arrivals"]
    names = [c["name"] for c in report["invariants"]]
    assert any("3201 reconciliation" in n for n in names)
    assert all(c["holds"] for c in report["invariants"]), report["invariants"]
    assert (out / "report.html").exists() and (out / "series" / "total_platform.csv").exists()
    assert (out / "locust" / "locust_stats.csv").read_text().count("2207") >= 1
    # The same report format: compare reads a live and a simulated run side by side.
    simulated = tmp_path / "sim"
    assert (
        runner.invoke(
            app, ["load", "run", "hospital-morning", "--hours", "3", "--report", str(simulated)]
        ).exit_code
        == 0
    )
    compared = runner.invoke(app, ["load", "compare", str(out), str(simulated)])
    assert compared.exit_code == 0 and "platform settled" in compared.output
    # The back-end's own records: every account is the sum of its journal, and the run's
    # settlements are all settled, cancelled or reversed.
    database = Database(f"sqlite:///{db}")
    try:
        with database.engine.connect() as conn:
            balances = conn.execute(
                text(
                    "SELECT i.balc, COALESCE(SUM(j.amount), 0) FROM medical_insurances i"
                    " LEFT JOIN medical_account_journal j ON j.psn_no = i.psn_no"
                    " AND j.insutype = i.insutype GROUP BY i.id"
                )
            ).all()
            statuses = {
                row[0]
                for row in conn.execute(text("SELECT DISTINCT status FROM medical_settlements"))
            }
    finally:
        database.dispose()
    assert balances and all(Decimal(str(a)) == Decimal(str(b)) for a, b in balances)
    assert statuses and statuses <= {"settled", "cancelled", "reversed"}


def test_master_and_workers_share_the_load(served, tmp_path):
    url, _db = served
    out = tmp_path / "workers"
    result = runner.invoke(
        app,
        [
            "load", "live", "hospital-morning",
            "--base-url", url,
            "--scale", "0.03", "--hours", "2", "--users", "2", "--workers", "2",
            "--max-visits", "100", "--report", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    assert report["run"]["executor"] == "locust:2 workers"
    assert report["run"]["visits"] > 0
    assert all(c["holds"] for c in report["invariants"]), report["invariants"]
    # The master and both workers ran (their logs are kept with the report).
    assert len(list((out / "locust").glob("locust-*.log"))) == 3


def test_load_goes_only_to_loopback_unless_allowed():
    assert check_base_url("http://127.0.0.1:8600/") == "http://127.0.0.1:8600"
    assert check_base_url("http://[::1]:8600") == "http://[::1]:8600"
    assert check_base_url("http://localhost:1") == "http://localhost:1"
    for url in ("http://10.0.0.1:8600", "https://example.org", "ftp://127.0.0.1", "127.0.0.1:80"):
        with pytest.raises(LiveError):
            check_base_url(url)
    assert check_base_url("https://example.org", allow_remote=True) == "https://example.org"
    result = runner.invoke(
        app, ["load", "live", "hospital-morning", "--base-url", "http://192.0.2.1"]
    )
    assert result.exit_code == 2 and "--allow-remote" in result.output


def test_unreachable_service_is_a_clear_error():
    port = _free_port()  # nothing listens there
    result = runner.invoke(
        app, ["load", "live", "hospital-morning", "--base-url", f"http://127.0.0.1:{port}"]
    )
    assert result.exit_code == 2
    assert "ConnectError" in result.output


def test_busy_time_is_spread_over_the_bins_it_covers():
    busy = [0.0] * 4
    spread(busy, 50.0, 250.0, 100.0)
    assert busy == [50.0, 100.0, 50.0, 0.0]
    spread(busy, 350.0, 500.0, 100.0)
    assert busy[3] == 150.0  # past the last bin: the drain counts in the last bin
