"""Fixtures: personalised cards behind InProcessTransport (see ssse_support)."""

from __future__ import annotations

import random

import pytest
from ssse_support import ISSUED, REGION, Made, MakeCard, Terminal

from card_os.card import Card
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from emulator.population import make_cardholder
from emulator.transport import InProcessTransport


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
