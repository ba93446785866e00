"""The HSM service as the reader's terminal sees it (card-spec §2.4 HSM mode).

The arithmetic lives in the back-end's HSM (backends/hsm over card_os.ssse.hsm); a terminal
passes it the strings the reader's Step1 calls produce and hands the answers back to the
reader. ``HsmService`` is that contract; ``HttpHsm`` speaks the JSON API of docs/reader.md,
``InProcessHsm`` calls the back-end's service directly (tests, one process).
"""

from __future__ import annotations

import re
from typing import Protocol

import httpx

from backends.core.errors import DomainError
from backends.hsm.service import HsmService as BackendHsm
from card_os.ssse import cardkeys, hsm
from card_os.ssse.profile import IssuerProfile
from emulator.reader.codes import ReaderError
from emulator.reader.hsm_messages import ReloadAuthRequest, ReloadRequest

__all__ = ["HsmService", "HttpHsm", "InProcessHsm"]

#: The HSM names an interface code in its refusal as "(−2204)" or "(-20)".
_CODE_IN_MESSAGE = re.compile(r"[−-](\d{1,5})\)")


class HsmService(Protocol):
    """The HSM computations a terminal requests; failures raise ReaderError."""

    def read_card_bas_key(self, step1: str) -> str:
        """iReadCardBas_HSM_Step1 output -> pKey for iReadCardBas_HSM_Step2."""
        ...

    def reload_pin_auth(self, step1: str) -> str:
        """iReloadPIN_HSM_Step1 output -> 32 hex (factor ‖ cryptogram) for Step2."""
        ...

    def reload_pin_command(self, step2: str) -> str:
        """iReloadPIN_HSM_Step2 output -> the reload command (hex) for iReloadPIN_HSM_Step3."""
        ...


def _refusal(message: str) -> ReaderError:
    """An HSM refusal as a reader error: the code it names, else -42 (bad computation data)."""
    found = _CODE_IN_MESSAGE.search(message)
    code = -int(found.group(1)) if found else -42
    return ReaderError(code, f"加密机拒绝：{message}")


class InProcessHsm:
    """HsmService calling the back-end's HSM service in this process."""

    def __init__(self, profile: IssuerProfile | None = None) -> None:
        self._hsm = BackendHsm(profile)

    def read_card_bas_key(self, step1: str) -> str:
        try:
            return self._hsm.read_card_bas_step2(step1)
        except DomainError as exc:
            raise _refusal(exc.message) from None

    def reload_pin_auth(self, step1: str) -> str:
        request = ReloadAuthRequest.parse(step1)
        profile = self._hsm.profile
        try:
            cipher = hsm.cipher_for_algorithm(request.algorithm)
            historical = bytes.fromhex(request.historical)
            factor, challenge = bytes.fromhex(request.factor), bytes.fromhex(request.challenge)
            if len(historical) != 13:
                raise ValueError("historical bytes must be 13 bytes")
            key = cardkeys.card_key(
                cipher, profile.master_key("pin_reload"), request.region, historical[-8:]
            )
            cryptogram = cardkeys.auth_cryptogram(cipher, key, factor, challenge)
        except ValueError as exc:  # HsmError is a ValueError too
            raise _refusal(str(exc)) from None
        return (factor + cryptogram).hex().upper()

    def reload_pin_command(self, step2: str) -> str:
        request = ReloadRequest.parse(step2)
        try:
            apdu = self._hsm.pin_reload(
                request.algorithm,
                request.region,
                bytes.fromhex(request.historical),
                bytes.fromhex(request.challenge),
                request.new_pin,
            )
        except DomainError as exc:
            raise _refusal(exc.message) from None
        return apdu.hex().upper()


class HttpHsm:
    """HsmService over HTTP (docs/reader.md "HSM API"); ``auth`` is (institution, secret)."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout, auth=auth)

    def _post(self, path: str, body: dict[str, str], answer: str) -> str:
        try:
            response = self._client.post(self.base_url + path, json=body)
        except httpx.HTTPError as exc:
            raise ReaderError(-11, f"加密机服务连接失败：{type(exc).__name__}") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ReaderError(-42, f"加密机应答不是JSON对象（HTTP {response.status_code}）")
        if response.is_success and isinstance(data.get(answer), str):
            return data[answer]
        detail = data.get("detail") or data.get("message") or f"HTTP {response.status_code}"
        code = data.get("code")
        if isinstance(code, int) and code < 0:  # an explicit interface code wins
            raise ReaderError(code, f"加密机拒绝：{detail}")
        raise _refusal(str(detail))

    def read_card_bas_key(self, step1: str) -> str:
        return self._post("/hsm/read-card-bas/step2", {"step1": step1}, "pkey")

    def reload_pin_auth(self, step1: str) -> str:
        request = ReloadAuthRequest.parse(step1)
        body = {
            "algorithm": request.algorithm,
            "region": request.region,
            "historical": request.historical,
            "factor": request.factor,
            "challenge": request.challenge,
        }
        return self._post("/hsm/pin-reload/auth", body, "data")

    def reload_pin_command(self, step2: str) -> str:
        request = ReloadRequest.parse(step2)
        body = {
            "algorithm": request.algorithm,
            "region": request.region,
            "historical": request.historical,
            "challenge": request.challenge,
            "new_pin": request.new_pin,
        }
        return self._post("/hsm/pin-reload", body, "apdu")

    def close(self) -> None:
        self._client.close()
