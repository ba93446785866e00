"""pytest plugin: run the conformance suites with `pytest --sscard-target ...`."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sscard", "sscard conformance")
    group.addoption(
        "--sscard-target",
        action="store",
        default=None,
        help="implementation under test: emulator | pcsc:<reader> | reader-lib:<path.so> | http:<url>",
    )
