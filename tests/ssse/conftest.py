"""Fixtures: personalised cards behind InProcessTransport (see ssse_support)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from ssse_support import ISSUED, REGION, Made, MakeCard, Terminal

from card_os.card import Card
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from emulator.population import make_cardholder
from emulator.transport import InProcessTransport

# With the editable install, `tests/` on sys.path (rootdir conftest) lets the test folders
# tests/backends/... shadow the real packages as namespace packages. Until pyproject sets
# `pythonpath = ["."]` for pytest, put the repository root first for these tests.
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != _ROOT:
    sys.path.insert(0, _ROOT)


@pytest.fixture
def make_card() -> MakeCard:
    def make(
        generation: int = 3,
        kind: str = "formal",
        seed: int = 5,
        state: str = "active",
        **profile_fields: object,
    ) -> Made:
        profile = IssuerProfile.from_mapping({"generation": generation, **profile_fields})
        holder = make_cardholder(seed)
        image = build_card_image(
            holder,
            profile,
            Personalisation(region=REGION, seed=seed, issued=ISSUED, kind=kind, state=state),
        )
        card = Card(image, rng=random.Random(seed))
        return Made(holder, profile, image, card, Terminal(InProcessTransport(card)), kind)

    return make
