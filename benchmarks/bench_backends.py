"""Medical platform throughput: 2207 settlements per second over HTTP, beside a bare FastAPI
endpoint served the same way in the same run.

Prints figures; asserts nothing about time. Usage:
    .venv/bin/python benchmarks/bench_backends.py [--settlements N] [--clients C] [--db URL]

Both servers are uvicorn subprocesses on 127.0.0.1 (one worker each); the clients are threads
with keep-alive httpx connections in this process. The visits and fees are prepared through
the platform in-process before the server starts, so the timed part is 2207 only.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from backends.core.auth import InstitutionService
from backends.core.clock import utc_now
from backends.core.db import Database
from backends.medical.seed import DEMO_PEOPLE, demo_certno, demo_secret, seed_demo
from backends.medical.service import handle

ENDPOINT = "/fsi/api/rsfComIfsService/callService"
SZ = "H44030000001"


def bare_app():  # type: ignore[no-untyped-def]
    """The reference: a FastAPI endpoint that parses a JSON body and answers JSON."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/bare")
    def bare(body: dict) -> dict:
        return {"infcode": 0, "output": {"echo": body.get("msgid")}}

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


class Envelopes:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.principal = database.run(lambda s: InstitutionService(s).get(SZ))
        self.seq = 0
        self.sign_no = ""

    def body(self, infno: str, payload: dict, insuplc: str = "") -> dict:
        self.seq += 1
        return {
            "infno": infno,
            "msgid": f"{SZ}{utc_now():%Y%m%d%H%M%S}{self.seq % 10000:04d}",
            "mdtrtarea_admvs": "440300",
            "insuplc_admdvs": insuplc,
            "fixmedins_code": SZ,
            "sign_no": self.sign_no,
            "input": payload,
        }

    def ok(self, infno: str, payload: dict, insuplc: str = "") -> dict:
        answer = handle(self.database, self.principal, self.body(infno, payload, insuplc))
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer["output"]


def prepare(url: str, count: int) -> list[dict]:
    """`count` registered visits with fees; returns their 2207 envelopes."""
    db = Database(url)
    db.create_all()
    db.run(seed_demo)
    env = Envelopes(db)
    env.sign_no = env.ok("9001", {"signIn": {"opter_no": "1"}})["signinoutb"]["sign_no"]
    certno = demo_certno(DEMO_PEOPLE[0][0])
    psn_no = env.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno}})[
        "baseinfo"
    ]["psn_no"]
    bodies = []
    for i in range(count):
        reg = {
            "psn_no": psn_no,
            "insutype": "310",
            "begntime": "2026-03-02 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno,
            "ipt_otp_no": f"B{i}",
        }
        mdtrt_id = env.ok("2201", {"data": reg}, "440300")["data"]["mdtrt_id"]
        fee = {
            "feedetl_sn": "1",
            "mdtrt_id": mdtrt_id,
            "psn_no": psn_no,
            "med_list_codg": "S-250101001",
            "det_item_fee_sumamt": "12.34",
        }
        env.ok("2204", {"feedetail": [fee]}, "440300")
        data = {
            "psn_no": psn_no,
            "mdtrt_id": mdtrt_id,
            "insutype": "310",
            "medfee_sumamt": "12.34",
            "acct_used_flag": "1",
        }
        bodies.append(env.body("2207", {"data": data}, "440300"))
    db.dispose()
    return bodies


def drive(port: int, path: str, bodies: list[dict], clients: int, auth) -> tuple[float, list]:
    """Send every body from `clients` threads; returns (requests/s, latencies)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(part: list[dict]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=auth, timeout=30) as client:
            for body in part:
                t0 = time.perf_counter()
                answer = client.post(path, json=body).json()
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if answer.get("infcode") != 0:
                        failures.append(str(answer.get("err_msg")))

    threads = [threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)]
    start_time = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start_time
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return len(bodies) / wall, latencies


def describe(name: str, rate: float, latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{name:<28} {rate:9.1f} req/s   p50 {statistics.median(ms):6.2f} ms   p99 {p99:6.2f} ms"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-bare":
        import uvicorn

        uvicorn.run(bare_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(f"preparing {args.settlements} visits on {url.split('@')[-1]} ...", flush=True)
        bodies = prepare(url, args.settlements)

        bare_port = free_port()
        bare = start([__file__, "--serve-bare", str(bare_port)], bare_port)
        try:
            bare_rate, bare_lat = drive(bare_port, "/bare", bodies, args.clients, None)
        finally:
            bare.kill()
            bare.wait()

        port = free_port()
        server = start(
            ["-m", "backends.cli", "serve", "--db", url, "--port", str(port), "--no-seed-demo"],
            port,
        )
        try:
            rate, lat = drive(port, ENDPOINT, bodies, args.clients, (SZ, demo_secret(SZ)))
        finally:
            server.kill()
            server.wait()
    print(f"{args.settlements} requests each, {args.clients} client threads, uvicorn 1 worker")
    print(describe("bare FastAPI endpoint", bare_rate, bare_lat))
    print(describe("2207 settlement (platform)", rate, lat))
    print(f"settlement / bare ratio: {rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
