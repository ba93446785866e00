"""The systems the world reaches: the back-ends (in-process FastAPI app over the domain
services, or a live base URL) seen as HTTP operations, one gateway for both.

In-process the world runs `backends.core.app.create_app` on an in-memory SQLite database with
the world clock injected (`app.state.clock`), so every operation is the production router and
domain service code at simulated time. The HIS reaches its region's platform through a world
link (`platform:<admdvs>`), so platform faults happen inside the back-end where they happen in
production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from fastapi.testclient import TestClient

from backends.core.app import create_app
from backends.core.auth import DatabaseDep, Principal
from backends.core.clock import Clock, ClockDep
from backends.core.db import Database
from backends.core.settings import Settings
from backends.hospital.platform import InProcessPlatform, PlatformUnavailable
from backends.hospital.router import HospitalCaller, his
from backends.hospital.service import HisService, bureau_card_check


class Unreachable(Exception):
    """The target could not be reached at all (connection refused, DNS, ...)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # decoded JSON, or the text when the answer is not JSON

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Backends(Protocol):
    live: bool
    base_url: str

    def send(self, method: str, path: str, body: Any, auth: tuple[str, str]) -> Reply: ...

    def http_client(self, auth: tuple[str, str]) -> httpx.Client: ...

    def close(self) -> None: ...


def _reply(response: httpx.Response) -> Reply:
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = response.text
    return Reply(response.status_code, body)


PlatformFault = Callable[[str, str], str]  # (admdvs, infno) -> "up" | "down" | "drop-replies"


class _LinkedPlatform:
    """The platform behind the world link ``platform:<admdvs>`` of the hospital's region."""

    def __init__(self, inner: InProcessPlatform, admdvs: str, fault: PlatformFault) -> None:
        self.inner, self.admdvs, self.fault = inner, admdvs, fault

    def call(self, envelope: dict[str, Any]) -> dict[str, Any]:
        state = self.fault(self.admdvs, str(envelope.get("infno", "")))
        if state == "down":
            raise PlatformUnavailable(f"platform {self.admdvs} did not answer: it is down")
        answer = self.inner.call(envelope)
        if state == "drop-replies":
            raise PlatformUnavailable(f"platform {self.admdvs} did not answer: reply lost")
        return answer


class InProcessBackends:
    """Every back-end service in this process, on the world clock."""

    live = False
    base_url = "http://testserver"

    def __init__(self, clock: Clock, platform_fault: PlatformFault) -> None:
        self.database = Database("sqlite://")
        settings = Settings(seed_demo=True, create_tables=True, db_url="sqlite://")
        self.app = create_app(settings, self.database)
        self.app.state.clock = clock

        def linked_his(hospital: Principal, database: Database, clock: Clock) -> HisService:
            platform = _LinkedPlatform(
                InProcessPlatform(database, hospital, clock), hospital.admdvs or "", platform_fault
            )
            return HisService(
                database, hospital, platform, clock, bureau_card_check(database, clock)
            )

        self.app.dependency_overrides[his] = _his_override(linked_his)
        # Entered once: one event-loop portal for the whole replay, not one per request.
        self.client = TestClient(self.app, raise_server_exceptions=False).__enter__()

    def send(self, method: str, path: str, body: Any, auth: tuple[str, str]) -> Reply:
        return _reply(self.client.request(method, path, json=body, auth=auth))

    def http_client(self, auth: tuple[str, str]) -> httpx.Client:
        client = TestClient(self.app, raise_server_exceptions=False)
        client.auth = auth
        return client

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.database.dispose()


def _his_override(build: Callable[[Principal, Database, Clock], HisService]):  # type: ignore[no-untyped-def]
    """A FastAPI dependency with the signature of `backends.hospital.router.his`."""

    def dependency(hospital: HospitalCaller, database: DatabaseDep, clock: ClockDep) -> HisService:
        return build(hospital, database, clock)

    return dependency


class HttpBackends:
    """A live system at ``base_url`` implementing the same HTTP API (loopback in tests)."""

    live = True

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def send(self, method: str, path: str, body: Any, auth: tuple[str, str]) -> Reply:
        try:
            response = self.client.request(method, path, json=body, auth=auth)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{self.base_url} did not answer in {self.timeout} s") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"{self.base_url}: {type(exc).__name__}: {exc}") from exc
        return _reply(response)

    def http_client(self, auth: tuple[str, str]) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, auth=auth)

    def close(self) -> None:
        self.client.close()
