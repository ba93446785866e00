"""A test driver for the medical platform: builds envelopes, numbers messages, and sends them
either in-process (`handle`) or over HTTP (TestClient), so every test can run both ways."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backends.core.auth import InstitutionService, Principal
from backends.core.db import Base, Database
from backends.medical.seed import demo_secret, seed_demo
from backends.medical.service import handle

ENDPOINT = "/fsi/api/rsfComIfsService/callService"
ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("SSCARD_PG_URL") else [])


class ManualClock:
    """Time moves only when the test says so."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def fresh_database(engine: str, tmp_path_factory: pytest.TempPathFactory | None = None) -> Database:
    """An empty database with the medical tables and the demo seed."""
    if engine == "sqlite":
        db = Database("sqlite://")
    elif engine == "sqlite-file":
        assert tmp_path_factory is not None
        db = Database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'medical.sqlite'}")
    else:
        db = Database(os.environ["SSCARD_PG_URL"])
        db.create_all(["medical"])
        _truncate_all(db)
    db.create_all(["medical"])
    db.run(seed_demo)
    return db


def _truncate_all(db: Database) -> None:
    """Empty the core and medical tables (PostgreSQL): far cheaper than dropping them."""
    tables = [
        t for t in reversed(Base.metadata.sorted_tables) if t.name.startswith(("core_", "medical_"))
    ]
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())


# Identifiers that are freshly generated per call; equal runs differ only in these.
GENERATED = {"inf_refmsgid", "refmsg_time", "respond_time", "sign_no", "mdtrt_id", "setl_id"}
GENERATED |= {"trt_dcla_detl_sn", "init_setl_id", "sign_time", "setl_time"}


class Hospital:
    """One institution talking to the platform (in-process or via `client`)."""

    def __init__(
        self,
        database: Database,
        code: str,
        region: str,
        clock: Any,
        client: TestClient | None = None,
    ) -> None:
        self.database = database
        self.code = code
        self.region = region
        self.clock = clock
        self.client = client
        self.sign_no = ""
        self._seq = itertools.count(1)
        self.principal = database.run(lambda s: InstitutionService(s).get(code))
        assert isinstance(self.principal, Principal)

    def next_msgid(self) -> str:
        return f"{self.code}{self.clock().strftime('%Y%m%d%H%M%S')}{next(self._seq) % 10000:04d}"

    def envelope(self, infno: str, payload: dict[str, Any], insuplc: str = "", **over: Any) -> dict:
        body = {
            "infno": infno,
            "msgid": self.next_msgid(),
            "mdtrtarea_admvs": self.region,
            "insuplc_admdvs": insuplc,
            "recer_sys_code": "FSI",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "001",
            "opter_name": "test",
            "inf_time": self.clock().strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.code,
            "fixmedins_name": "test hospital",
            "sign_no": self.sign_no,
            "input": payload,
        }
        body.update(over)
        return body

    def send(self, body: Any) -> dict[str, Any]:
        if self.client is None:
            return handle(self.database, self.principal, body, clock=self.clock)
        response = self.client.post(ENDPOINT, json=body, auth=(self.code, demo_secret(self.code)))
        assert response.status_code == 200, response.text
        return response.json()

    def call(self, infno: str, payload: dict[str, Any], insuplc: str = "", **over: Any) -> dict:
        return self.send(self.envelope(infno, payload, insuplc, **over))

    def ok(self, infno: str, payload: dict[str, Any], insuplc: str = "", **over: Any) -> dict:
        answer = self.call(infno, payload, insuplc, **over)
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer["output"]

    # ---- the usual sequence -------------------------------------------------------------

    def sign_in(self) -> str:
        self.sign_no = self.ok("9001", {"signIn": {"opter_no": "001", "mac": "", "ip": ""}})[
            "signinoutb"
        ]["sign_no"]
        return self.sign_no

    def person(self, cert_type: str, cert_no: str, card_sn: str = "") -> dict[str, Any]:
        data = {"mdtrt_cert_type": cert_type, "mdtrt_cert_no": cert_no, "card_sn": card_sn}
        return self.ok("1101", {"data": data})

    def register(
        self,
        psn_no: str,
        certno: str,
        insuplc: str,
        insutype: str = "310",
        otp: str | None = None,
        med_type: str = "",
    ) -> str:
        data = {
            "psn_no": psn_no,
            "insutype": insutype,
            "begntime": self.clock().strftime("%Y-%m-%d %H:%M:%S"),
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno,
            "ipt_otp_no": otp or f"OTP{next(self._seq)}",
            "med_type": med_type,
        }
        return self.ok("2201", {"data": data}, insuplc)["data"]["mdtrt_id"]

    def admit(
        self, psn_no: str, certno: str, insuplc: str, insutype: str = "310", med_type: str = "21"
    ) -> str:
        info = {
            "psn_no": psn_no,
            "insutype": insutype,
            "begntime": self.clock().strftime("%Y-%m-%d %H:%M:%S"),
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno,
            "ipt_otp_no": f"IPT{next(self._seq)}",
            "med_type": med_type,
        }
        return self.ok("2401", {"mdtrtinfo": info, "diseinfo": []}, insuplc)["result"]["mdtrt_id"]

    def fees(
        self,
        infno: str,
        mdtrt_id: str,
        psn_no: str,
        insuplc: str,
        items: list[tuple[str, str]],
        batch: str = "B1",
    ) -> dict[str, Any]:
        rows = [
            {
                "feedetl_sn": f"F{next(self._seq)}",
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "chrg_bchno": batch,
                "med_list_codg": code,
                "medins_list_codg": code,
                "det_item_fee_sumamt": amount,
                "cnt": 1,
                "pric": amount,
                "fee_ocur_time": self.clock().strftime("%Y-%m-%d %H:%M:%S"),
            }
            for code, amount in items
        ]
        return self.ok(infno, {"feedetail": rows}, insuplc)

    def settle_data(
        self,
        psn_no: str,
        mdtrt_id: str,
        total: str,
        insutype: str = "310",
        acct: str = "1",
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "data": {
                "psn_no": psn_no,
                "mdtrt_id": mdtrt_id,
                "insutype": insutype,
                "medfee_sumamt": total,
                "mdtrt_cert_type": "02",
                "acct_used_flag": acct,
                "psn_setlway": "01",
                **extra,
            }
        }


def strip_generated(value: Any) -> Any:
    """`value` without freshly generated identifiers and times (to compare two runs)."""
    if isinstance(value, dict):
        return {k: strip_generated(v) for k, v in value.items() if k not in GENERATED}
    if isinstance(value, list):
        return [strip_generated(v) for v in value]
    return value


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
