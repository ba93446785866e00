"""What a step produced: a flat mapping the expectations are checked against."""

from __future__ import annotations

from typing import Any

from emulator.world.systems import Reply

Outcome = dict[str, Any]


def from_reply(reply: Reply, **fields: Any) -> Outcome:
    """``ok``, ``http`` and ``error`` (the back-end's refusal text) plus ``fields``."""
    outcome: Outcome = {"ok": reply.ok, "http": reply.status}
    if not reply.ok:
        body = reply.body
        detail = body.get("detail") if isinstance(body, dict) else body
        outcome["error"] = detail if isinstance(detail, str) else str(detail)
    outcome.update(fields)
    return outcome


def body_field(reply: Reply, name: str) -> Any:
    return reply.body.get(name) if reply.ok and isinstance(reply.body, dict) else None
