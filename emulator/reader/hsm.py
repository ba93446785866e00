"""The HSM service as the reader's terminal sees it (card-spec §2.4 HSM mode).

The arithmetic lives in the back-end's HSM; a terminal passes it the Step1 strings and hands
the answers back to the reader. ``HsmService`` is that contract; ``HttpHsm`` speaks the JSON
API of docs/reader.md, ``InProcessHsm`` calls card_os.ssse.hsm directly (tests, one process).
"""

from __future__ import annotations

from typing import Protocol

import httpx

from emulator.reader.codes import ReaderError

__all__ = ["HSM_ROUTES", "HsmService", "HttpHsm"]

#: operation -> (path under the base URL, request field). Each answers {"pkey": "..."}.
HSM_ROUTES: dict[str, tuple[str, str]] = {
    "read_card_bas": ("/hsm/read-card-bas/step2", "step1"),
    "reload_pin_auth": ("/hsm/reload-pin/step2", "step1"),
    "reload_pin_block": ("/hsm/reload-pin/step3", "step2"),
}


class HsmService(Protocol):
    """The HSM computations a terminal requests; failures raise ReaderError."""

    def read_card_bas_key(self, step1: str) -> str:
        """iReadCardBas_HSM_Step1 output -> pKey for iReadCardBas_HSM_Step2."""
        ...

    def reload_pin_auth(self, step1: str) -> str:
        """iReloadPIN_HSM_Step1 output -> pKey (external authentication) for Step2."""
        ...

    def reload_pin_block(self, step2: str) -> str:
        """iReloadPIN_HSM_Step2 output -> pKey (PIN block ‖ MAC) for Step3."""
        ...


class HttpHsm:
    """HsmService over HTTP: POST JSON to ``base_url`` + route (docs/reader.md)."""

    def __init__(self, base_url: str, timeout: float = 10.0, client: httpx.Client | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)

    def _call(self, operation: str, text: str) -> str:
        path, field = HSM_ROUTES[operation]
        try:
            response = self._client.post(self.base_url + path, json={field: text})
        except httpx.HTTPError as exc:
            raise ReaderError(-11, f"加密机服务连接失败：{type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ReaderError(-42, f"加密机应答不是JSON对象（HTTP {response.status_code}）")
        if response.is_success and isinstance(body.get("pkey"), str):
            return body["pkey"]
        code = body.get("code")
        message = body.get("message") or body.get("detail") or "加密机计算失败"
        if isinstance(code, int) and code < 0:
            raise ReaderError(code, str(message))
        raise ReaderError(-42, f"加密机计算失败（HTTP {response.status_code}）：{message}")

    def read_card_bas_key(self, step1: str) -> str:
        return self._call("read_card_bas", step1)

    def reload_pin_auth(self, step1: str) -> str:
        return self._call("reload_pin_auth", step1)

    def reload_pin_block(self, step2: str) -> str:
        return self._call("reload_pin_block", step2)

    def close(self) -> None:
        self._client.close()
