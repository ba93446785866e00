"""Fixtures for the card OS tests: a powered card on the test image, and an APDU helper."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# With the editable install, `tests/` on sys.path (the rootdir conftest) lets test folders such
# as tests/backends shadow the real packages as namespace packages. Until pyproject sets
# pytest's `pythonpath = ["."]`, keep the repository root first.
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != _ROOT:
    sys.path.insert(0, _ROOT)

from cos_fixture import Session  # noqa: E402


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
