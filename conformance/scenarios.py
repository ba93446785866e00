"""Scenario sessions: chosen scripts of scenarios/library replayed as conformance cases,
against the emulator or a live back-end (the cards stay emulated)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.statement import Pics, Pixit
from conformance.suite import Interface, Suite
from conformance.trace import Exchange, Trace


def library() -> Path:
    import scenarios

    return Path(scenarios.__file__).resolve().parent / "library"


@dataclass
class ScenarioSession:
    """Replays one scenario file and copies its (already masked) trace into the case's."""

    backend_url: str | None
    trace: Trace

    def replay(self, name: str) -> Any:
        from emulator.replay.engine import run_scenario
        from emulator.replay.loader import load_scenario
        from emulator.world.world import Target as ReplayTarget

        scenario = load_scenario(library() / f"{name}.yaml")
        report = run_scenario(scenario, target=ReplayTarget(backend_url=self.backend_url))
        for record in report.trace.records:
            shown = {k: v for k, v in record.items() if k not in ("answer", "reply", "seq")}
            answer = record.get("answer", record.get("reply", ""))
            self.trace.exchanges.append(
                Exchange(
                    str(record.get("kind", record.get("type", "event"))),
                    json.dumps(shown, ensure_ascii=False, sort_keys=True, default=str),
                    json.dumps(answer, ensure_ascii=False, default=str)
                    if not isinstance(answer, str)
                    else answer,
                )
            )
        return report

    def close(self) -> None:
        return None


def open_scenario(
    target: Any, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace
) -> ScenarioSession:
    return ScenarioSession(getattr(target, "base_url", None) or None, trace)


def fingerprint(_target: Any) -> str:
    """SHA-256 over the scenario files the suite replays."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(library().glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return "sha256(scenario library):" + digest.hexdigest()


def register() -> None:
    from conformance.targets import register_opener

    register_opener(Interface.SCENARIO, open_scenario, fingerprint)
