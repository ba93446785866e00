"""Locust file of `sscard load live`: users that make the profile's visits over HTTP.

Started by `emulator.load.live` (never by hand: it reads its settings from the JSON file named
by SSCARD_LOAD_LIVE). Each user owns an equal share of the profile's arrivals and keeps its
own Poisson schedule: it sleeps until its next arrival and, when a visit takes longer than the
gap, starts the next at once (the visit waited, as at a busy counter). Every visit appends a
JSON line to this process's file in the results directory; Locust's own statistics record
every request by infno.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, task
from locust.exception import StopUser

from emulator.load.live_visit import ENDPOINT, Answer, ArrivalClock, Caller, plan_visit, run_visit
from emulator.load.profile import LoadProfile

SETTINGS: dict[str, Any] = json.loads(Path(os.environ["SSCARD_LOAD_LIVE"]).read_text("utf-8"))
PROFILE = LoadProfile.model_validate(SETTINGS["profile"])
CALLER = Caller(SETTINGS["hospital"], SETTINGS["region"], SETTINGS["sign_no"])
RESULTS = Path(SETTINGS["results"]) / f"visits-{os.getpid()}.jsonl"
USER_NUMBERS = itertools.count()
STATE: dict[str, Any] = {"epoch": None, "visits": 0}


def _epoch() -> float:
    """The run's start in this process: when its first user starts."""
    if STATE["epoch"] is None:
        STATE["epoch"] = time.time()
    return STATE["epoch"]


class Patient(HttpUser):
    """A stream of patients arriving at the hospital's counters."""

    def on_start(self) -> None:
        number = next(USER_NUMBERS) + SETTINGS["process_index"] * 100_000
        self.rng = random.Random(f"{SETTINGS['seed']}:{number}")
        self.arrivals = ArrivalClock(
            PROFILE,
            scale=SETTINGS["scale"],
            compress=SETTINGS["compress"],
            share=1.0 / SETTINGS["users"],
            seed=self.rng.randrange(2**32),
        )
        self.next_at = self.arrivals.next_after(time.time() - _epoch(), SETTINGS["horizon"])
        self.auth = (SETTINGS["hospital"], SETTINGS["secret"])

    def wait_time(self) -> float:
        if self.next_at is None:
            return 1.0
        return max(0.0, self.next_at - (time.time() - _epoch()))

    def _post(self, infno: str, body: dict[str, Any], timeout: float) -> Answer:
        started = time.perf_counter()
        with self.client.post(
            ENDPOINT, json=body, name=infno, auth=self.auth, timeout=timeout, catch_response=True
        ) as response:
            took = time.perf_counter() - started
            if response.status_code == 0 or (response.error is not None and not response.content):
                response.failure(f"no answer: {response.error}")
                return Answer(took, None)
            try:
                answer = response.json()
            except ValueError:
                response.failure(f"HTTP {response.status_code}: not JSON")
                return Answer(took, {"infcode": -1, "err_msg": f"HTTP {response.status_code}"})
            if answer.get("infcode") != 0:
                response.failure(str(answer.get("err_msg")))
            return Answer(took, answer)

    @task
    def visit(self) -> None:
        if self.next_at is None or STATE["visits"] >= SETTINGS["max_visits"]:
            raise StopUser()
        STATE["visits"] += 1
        arrived = self.next_at
        plan = plan_visit(self.rng, PROFILE, SETTINGS["local"], SETTINGS["cross"])
        record = run_visit(self._post, CALLER, plan, SETTINGS["timeout"])
        done = time.time() - _epoch()
        record.update(arrived=arrived, done=done, latency=max(0.0, done - arrived))
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        self.next_at = self.arrivals.next_after(max(arrived, 0.0), SETTINGS["horizon"])
