"""Crash test: the served process is SIGKILLed in the middle of a stream of settlements and
restarted; every confirmed settlement exists exactly once, others once or not at all, and 3201
reconciliation balances."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal

import httpx
import pytest
from medical_calls import ENDPOINT, Hospital, ManualClock
from sqlalchemy import func, select

from backends.core.clock import utc_now
from backends.core.db import Database
from backends.medical.audit import audit
from backends.medical.models import Settlement
from backends.medical.seed import demo_secret, seed_demo

SZ = "H44030000001"
AUTH = (SZ, demo_secret(SZ))
VISITS = 40
KILL_AFTER = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(url: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "backends.cli", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not come up")


def _prepare(url: str, person) -> tuple[Hospital, str, list[dict]]:
    db = Database(url)
    db.create_all()
    db.run(seed_demo)
    clock = ManualClock(utc_now())
    h = Hospital(db, SZ, "440300", clock)
    h.sign_in()
    p = person(0)
    psn_no = h.person("02", p["certno"])["baseinfo"]["psn_no"]
    bodies = []
    for i in range(VISITS):
        mdtrt_id = h.register(psn_no, p["certno"], "440300")
        amount = f"{10 + i}.{i % 100:02d}"
        h.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", amount)])
        bodies.append(h.envelope("2207", h.settle_data(psn_no, mdtrt_id, amount), "440300"))
    db.dispose()
    return h, psn_no, bodies


@pytest.mark.slow
def test_sigkill_mid_stream_then_restart(tmp_path, person):
    url = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    _h, _psn_no, bodies = _prepare(url, person)
    port = _free_port()
    server = _serve(url, port)
    confirmed: dict[str, dict] = {}
    attempted: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def stream(part: list[dict]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=AUTH, timeout=5) as client:
            for body in part:
                with lock:
                    attempted.append(body["msgid"])
                try:
                    answer = client.post(ENDPOINT, json=body).json()
                except (httpx.HTTPError, ValueError):
                    return  # the server is gone: the outcome of this one is unknown
                assert answer["infcode"] == 0, answer["err_msg"]
                with lock:
                    confirmed[body["msgid"]] = answer["output"]["setlinfo"]
                    if len(confirmed) >= KILL_AFTER:
                        enough.set()

    senders = [threading.Thread(target=stream, args=(bodies[i::2],)) for i in range(2)]
    for sender in senders:
        sender.start()
    assert enough.wait(60)
    server.send_signal(signal.SIGKILL)
    server.wait(10)
    for sender in senders:
        sender.join(30)
    assert len(confirmed) < len(bodies), "the kill came after the stream ended"

    db = Database(url)
    stored = db.run(
        lambda s: {
            m: s.scalar(select(func.count()).select_from(Settlement).where(Settlement.msgid == m))
            for m in attempted
        }
    )
    assert all(stored[m] == 1 for m in confirmed), "a confirmed settlement was lost"
    assert all(count in (0, 1) for count in stored.values())
    assert db.run(audit) == []
    db.dispose()

    # Restart; the caller resolves every unknown outcome by resending the same msgid.
    server = _serve(url, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=AUTH, timeout=10) as client:
            by_msgid = {b["msgid"]: b for b in bodies}
            for msgid in attempted:
                if msgid not in confirmed:
                    answer = client.post(ENDPOINT, json=by_msgid[msgid]).json()
                    assert answer["infcode"] == 0, answer["err_msg"]
                    confirmed[msgid] = answer["output"]["setlinfo"]
            today = utc_now().date()
            sign = client.post(
                ENDPOINT,
                json={
                    **bodies[0],
                    "infno": "9001",
                    "msgid": SZ + "20990101000000" + "0001",
                    "input": {"signIn": {"opter_no": "1"}},
                },
            ).json()["output"]["signinoutb"]["sign_no"]
            totals = {
                "insutype": "310",
                "clr_type": "11",
                "setl_optins": "440300",
                "stmt_begndate": (today - dt.timedelta(days=1)).isoformat(),
                "stmt_enddate": (today + dt.timedelta(days=1)).isoformat(),
                "medfee_sumamt": str(sum(Decimal(c["medfee_sumamt"]) for c in confirmed.values())),
                "fund_pay_sumamt": str(
                    sum(Decimal(c["fund_pay_sumamt"]) for c in confirmed.values())
                ),
                "acct_pay": str(sum(Decimal(c["acct_pay"]) for c in confirmed.values())),
                "fixmedins_setl_cnt": len(confirmed),
            }
            stmt = client.post(
                ENDPOINT,
                json={
                    **bodies[0],
                    "infno": "3201",
                    "msgid": SZ + "20990101000000" + "0002",
                    "sign_no": sign,
                    "insuplc_admdvs": "",
                    "input": {"data": totals},
                },
            ).json()
            assert stmt["infcode"] == 0, stmt["err_msg"]
            assert stmt["output"]["stmtinfo"]["stmt_rslt"] == "0", stmt["output"]["stmtinfo"]
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    db = Database(url)
    assert db.run(audit) == []
    db.dispose()
