"""PICS and PIXIT files: defaults, overrides, and errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.statement import Pics, StatementError, load_pics, load_pixit


def test_fields_left_out_keep_the_base_values(tmp_path: Path) -> None:
    path = tmp_path / "pics.yaml"
    path.write_text("pin_retry_limit: 6\n", encoding="utf-8")
    pics = load_pics(path, Pics(generation=2, contactless=True))
    assert (pics.pin_retry_limit, pics.generation, pics.contactless) == (6, 2, True)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("generation: 4\n", "generation"),
        ("pin_retry_limit: 0\n", "pin_retry_limit"),
        ("unknown_claim: true\n", "unknown_claim"),
        ("- a list\n", "mapping"),
        ("generation: [\n", "not valid YAML"),
    ],
)
def test_bad_pics_names_the_file_and_field(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StatementError) as info:
        load_pics(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_pixit_rejects_a_pin_that_is_not_4_to_16_digits(tmp_path: Path) -> None:
    path = tmp_path / "pixit.yaml"
    path.write_text("pins: {user: {ref: 1, value: '12'}}\n", encoding="utf-8")
    with pytest.raises(StatementError, match=r"pins\.user\.value"):
        load_pixit(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StatementError, match="cannot read"):
        load_pixit(tmp_path / "absent.yaml")
