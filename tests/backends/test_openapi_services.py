"""Schemathesis against the OpenAPI document of the whole back-end app (every service package
present): no 500, answers as documented. The medical operations have their own, deeper run in
test_medical_openapi.py."""

from __future__ import annotations

import base64

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from backends.core.app import create_app
from backends.core.auth import InstitutionService
from backends.core.db import Database
from backends.core.settings import Settings

# One credential per institution kind; the path's first segment says which kind calls it.
CALLERS = {
    "bureau": ("T-BUREAU", "bureau"),
    "bank": ("T-BANK", "bank"),
    "hsm": ("T-HSM", "hsm"),
    "hospital": ("T-HOSPITAL", "hospital"),
}


def _app():  # type: ignore[no-untyped-def]
    db = Database("sqlite://")
    app = create_app(Settings(seed_demo=True), db)

    def register(session) -> None:
        for code, kind in CALLERS.values():
            InstitutionService(session).ensure(code, kind, f"test {kind}", f"pw-{code}", "440300")

    db.run(register)
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app()).exclude(
    path_regex=r"^/(fsi|medical)/"
)


def _auth(path: str) -> str:
    code, _kind = CALLERS.get(path.strip("/").split("/")[0], CALLERS["bureau"])
    return "Basic " + base64.b64encode(f"{code}:pw-{code}".encode()).decode()


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_service_operation_conforms(case):
    # Schema-valid is not enough for the domain rules (unknown card, bad check digit): those
    # get a documented 4xx, which the other checks verify.
    response = case.call_and_validate(
        headers={"Authorization": _auth(case.path)}, excluded_checks=[positive_data_acceptance]
    )
    assert response.status_code < 500
