"""Traces never hold a PIN and show ID numbers only partly."""

from __future__ import annotations

from conformance.trace import Trace, mask_command, mask_json, mask_response


def test_verify_data_is_masked_and_header_kept() -> None:
    assert mask_command(bytes.fromhex("0020000103123456")) == "0020000103" + "*" * 6
    assert mask_command(bytes.fromhex("805E0100081234FF567890")).startswith("805E010008*")


def test_other_commands_are_shown_whole() -> None:
    assert mask_command(bytes.fromhex("00B2010C00")) == "00B2010C00"


def test_id_number_in_a_response_is_partly_hidden() -> None:
    shown = mask_response(b"\x08\x12" + b"11111119810101111X" + b"\x90\x00")
    assert "19810101" not in bytes.fromhex(shown.replace("2A", "00")).decode("latin-1")
    assert shown.endswith("9000")
    assert bytes.fromhex(shown)[2:8] == b"111111"


def test_http_bodies_lose_secrets_and_birth_dates() -> None:
    trace = Trace()
    trace.http("POST", "/x", {"pin": "123456", "certno": "111111198101011110"}, 200, {"ok": True})
    request = trace.exchanges[0].request
    assert "123456" not in request and "19810101" not in request
    assert mask_json({"nested": [{"password": "x"}]}) == {"nested": [{"password": "***"}]}
