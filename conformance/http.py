"""HTTP sessions: a reference client of the back-end APIs against a base URL or the in-process
app, recording every exchange (secrets and ID numbers masked)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from conformance.statement import Pics, Pixit
from conformance.suite import Interface, Suite
from conformance.trace import Trace

ENDPOINT = "/fsi/api/rsfComIfsService/callService"  # backend-flows §1.1 / docs/http-api.md
# msgid = institution (12) + time (14) + sequence (4), backend-flows §1.1: the sequence is
# shared by every session of the process so cases opened within one second never collide.
_SEQUENCE = itertools.count(1)


@dataclass
class Institution:
    code: str
    secret: str
    region: str


@dataclass
class HttpSession:
    """A client of one implementation; `call` speaks the infno envelope."""

    client: Any
    trace: Trace
    hospital: Institution
    other: Institution
    person: dict[str, str]
    stamp: str
    sign_no: str = ""
    _seq: Any = field(default_factory=lambda: _SEQUENCE)

    def msgid(self, who: Institution | None = None) -> str:
        who = who or self.hospital
        return f"{who.code}{self.stamp}{next(self._seq) % 10000:04d}"

    def post(self, path: str, body: Any, auth: tuple[str, str] | None) -> tuple[int, Any]:
        response = self.client.post(path, json=body, auth=auth)
        try:
            answer = response.json()
        except ValueError:
            answer = response.text
        self.trace.http("POST", path, body, response.status_code, answer)
        return response.status_code, answer

    def envelope(
        self, infno: str, payload: dict[str, Any], who: Institution | None = None, **over: Any
    ) -> dict:
        who = who or self.hospital
        body = {
            "infno": infno,
            "msgid": self.msgid(who),
            "mdtrtarea_admvs": who.region,
            "insuplc_admdvs": self.person.get("region", "")
            if infno not in ("9001", "1101")
            else "",
            "recer_sys_code": "FSI",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "001",
            "opter_name": "conformance",
            "inf_time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": who.code,
            "fixmedins_name": "conformance tester",
            "sign_no": self.sign_no,
            "input": payload,
        }
        body.update(over)
        return body

    def send(self, body: dict[str, Any], who: Institution | None = None) -> tuple[int, Any]:
        who = who or self.hospital
        return self.post(ENDPOINT, body, (who.code, who.secret))

    def call(
        self, infno: str, payload: dict[str, Any], who: Institution | None = None, **over: Any
    ) -> tuple[int, Any]:
        return self.send(self.envelope(infno, payload, who, **over), who)

    def close(self) -> None:
        closer = getattr(self.client, "close", None)
        if closer is not None:
            closer()


def _institutions(pixit: Pixit) -> tuple[Institution, Institution, dict[str, str]]:
    values = pixit.extra.get("backend", {})
    hospital = Institution(**values.get("hospital", {}))
    other = Institution(**values.get("other_hospital", {}))
    return hospital, other, dict(values.get("person", {}))


def open_http(target: Any, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> HttpSession:
    hospital, other, person = _institutions(pixit)
    base = getattr(target, "base_url", "")
    if base:
        import httpx

        client: Any = httpx.Client(base_url=base, timeout=30)
        # A live system keeps its messages: make msgids unique per run.
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    else:
        from fastapi.testclient import TestClient

        from backends.core.app import create_app
        from backends.core.db import Database
        from backends.core.settings import Settings

        database = Database("sqlite://")
        app = create_app(
            Settings(seed_demo=True, create_tables=True), database, packages=["medical"]
        )
        wrap = getattr(target, "wrap_app", None)
        client = TestClient(wrap(app) if wrap else app, raise_server_exceptions=False)
        client.__enter__()  # runs the start-up (tables, demo seed)
        stamp = "20260302090000"
    return HttpSession(client, trace, hospital, other, person, stamp)


def fingerprint(target: Any) -> str:
    """SHA-256 of the canonical OpenAPI document of the implementation."""
    import hashlib
    import json

    base = getattr(target, "base_url", "")
    if base:
        import httpx

        document = httpx.get(f"{base}/openapi.json", timeout=30).json()
    else:
        from backends.core.app import create_app
        from backends.core.db import Database
        from backends.core.settings import Settings

        app = create_app(
            Settings(seed_demo=False, create_tables=False),
            Database("sqlite://"),
            packages=["medical"],
        )
        document = app.openapi()
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256(openapi):" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def register() -> None:
    from conformance.targets import register_opener

    register_opener(Interface.HTTP, open_http, fingerprint)
