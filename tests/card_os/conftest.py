"""Fixtures for the card OS tests: a powered card on the test image, and an APDU helper."""

from __future__ import annotations

import pytest
from cos_fixture import Session


@pytest.fixture
def s() -> Session:
    session = Session("T=1")
    yield session
    assert session.card.internal_errors == 0, session.card.last_internal_error


@pytest.fixture
def s0() -> Session:
    session = Session("T=0")
    yield session
    assert session.card.internal_errors == 0, session.card.last_internal_error
