"""How the HIS reaches the medical-insurance platform of its region: in-process or HTTP.

Both send the same infno envelope and get the same answer (backends.medical.service.handle
is what the platform's HTTP endpoint runs). The hospital always talks to its own region's
platform; patients insured elsewhere are routed on by the platform through the national
platform, from the envelope's insuplc_admdvs (backend-flows §2.1).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from backends.core.auth import Principal
from backends.core.clock import Clock
from backends.core.db import Database
from backends.core.errors import DomainError
from backends.medical.service import handle

ENDPOINT = "/fsi/api/rsfComIfsService/callService"


class PlatformUnavailable(DomainError):
    """No answer from the platform: the result of the call is unknown."""

    status = 504


class PlatformClient(Protocol):
    def call(self, envelope: dict[str, Any]) -> dict[str, Any]: ...


class InProcessPlatform:
    """The platform in this process, over the same database (its own transaction per call)."""

    def __init__(self, database: Database, hospital: Principal, clock: Clock) -> None:
        self.database, self.hospital, self.clock = database, hospital, clock

    def call(self, envelope: dict[str, Any]) -> dict[str, Any]:
        return handle(self.database, self.hospital, envelope, clock=self.clock)


class HttpPlatform:
    """The platform at ``base_url`` (loopback only), with the hospital's credential."""

    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str],
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + ENDPOINT
        self.auth = auth
        self._owned = client is None
        self.client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owned:
            self.client.close()

    def call(self, envelope: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.client.post(self.url, json=envelope, auth=self.auth)
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(f"platform did not answer: {type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PlatformUnavailable(f"platform answered HTTP {response.status_code}, not JSON")
        return answer
