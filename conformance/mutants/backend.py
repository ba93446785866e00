"""Mutants of the medical-insurance platform: idempotency, reversal and reporting defects,
as an ASGI wrapper around the reference app or a monkeypatch active only during the run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from conformance.mutants.base import Mutant

SUITES = ("backend",)
Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


class JsonRewrite:
    """ASGI middleware: rewrites JSON request bodies and/or JSON response bodies."""

    def __init__(
        self, app: Any, request: Rewrite | None = None, response: Rewrite | None = None
    ) -> None:
        self.app, self.request, self.response = app, request, response

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if self.request is not None:
            body = _rewrite(body, self.request)
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            payload = b"".join(chunks)
            if self.response is not None:
                payload = _rewrite(payload, self.response)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, replay, capture)


def _rewrite(raw: bytes, change: Rewrite) -> bytes:
    try:
        document = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(document, dict):
        return raw
    return json.dumps(change(document), ensure_ascii=False).encode("utf-8")


def _settlement_twice(app: Any) -> Any:
    """A gateway that gives every retried 2207 a fresh msgid: the platform settles it again."""
    seen: set[str] = set()
    counter = iter(range(9000, 10000))

    def request(body: dict[str, Any]) -> dict[str, Any]:
        msgid = str(body.get("msgid", ""))
        if body.get("infno") == "2207" and len(msgid) == 30:
            if msgid in seen:
                return {**body, "msgid": msgid[:26] + f"{next(counter):04d}"}
            seen.add(msgid)
        return body

    return JsonRewrite(app, request=request)


def _balance_before_debit(app: Any) -> Any:
    """setlinfo.balc reports the balance before the account payment."""

    def response(body: dict[str, Any]) -> dict[str, Any]:
        info = (
            (body.get("output") or {}).get("setlinfo")
            if isinstance(body.get("output"), dict)
            else None
        )
        if isinstance(info, dict) and "balc" in info and "acct_pay" in info:
            info["balc"] = str(Decimal(str(info["balc"])) + Decimal(str(info["acct_pay"])))
        return body

    return JsonRewrite(app, response=response)


@contextmanager
def _reversal_forgets_account() -> Iterator[None]:
    """2601 of a settlement frees the fees and the clearing but not the personal account."""
    from backends.medical import transactions

    original = transactions.REVERSERS["2207"]

    def forgetful(call: Any, omsgid: str) -> None:
        move = transactions._move_account
        transactions._move_account = lambda *args, **kwargs: None
        try:
            original(call, omsgid)
        finally:
            transactions._move_account = move

    transactions.REVERSERS["2207"] = forgetful
    try:
        yield
    finally:
        transactions.REVERSERS["2207"] = original


MUTANTS: list[Mutant] = [
    Mutant(
        "backend-settlement-twice",
        "backend",
        "a retried settlement is applied twice",
        SUITES,
        wrap_app=_settlement_twice,
    ),
    Mutant(
        "backend-reversal-forgets-account",
        "backend",
        "reversal does not restore the personal account",
        SUITES,
        patch=_reversal_forgets_account,
    ),
    Mutant(
        "backend-balc-before-debit",
        "backend",
        "setlinfo.balc is the balance before the debit",
        SUITES,
        wrap_app=_balance_before_debit,
    ),
]
