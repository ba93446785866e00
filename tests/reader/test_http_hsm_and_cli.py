"""The HSM over HTTP (the back-ends' API, docs/reader.md) and `sscard reader read`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reader_cards import make_psam, make_ref_card
from typer.testing import CliRunner

from backends.core.app import create_app
from backends.core.auth import InstitutionService
from backends.core.db import Database
from backends.core.settings import Settings
from card_os.ssse.profile import IssuerProfile
from emulator.cli import app as sscard
from emulator.reader.basic_info import HSM_TERMINAL_NUMBER
from emulator.reader.codes import ReaderError
from emulator.reader.hsm import HttpHsm
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas
from emulator.transport import InProcessTransport


@pytest.fixture
def hsm_client() -> Iterator[TestClient]:
    database = Database("sqlite://")
    app = create_app(Settings(), database, packages=["hsm"])
    database.run(lambda s: InstitutionService(s).ensure("H0001", "hospital", "医院", "s3cret"))
    with TestClient(app) as client:
        client.auth = ("H0001", "s3cret")
        yield client


@pytest.mark.parametrize("generation", [2, 3])
def test_fallback_through_the_http_hsm(hsm_client: TestClient, generation: int) -> None:
    ref = make_ref_card(generation)
    hsm = HttpHsm("http://testserver", client=hsm_client)
    read = read_card_bas(ReferenceReader(InProcessTransport(ref.card())), 1, hsm)
    assert read.mode == "hsm"
    assert read.result == (0, ref.expected(HSM_TERMINAL_NUMBER))


def test_http_hsm_refusal_carries_its_code(hsm_client: TestClient) -> None:
    hsm = HttpHsm("http://testserver", client=hsm_client)
    reader = ReferenceReader(InProcessTransport(make_ref_card(2).card()))
    step1 = reader.iReadCardBas_HSM_Step1(1).text
    reader.iReadCardBas_HSM_Step2("")
    with pytest.raises(ReaderError) as caught:
        hsm.read_card_bas_key(step1)
    assert caught.value.code == -2204


def test_http_hsm_wrong_credentials_and_unreachable() -> None:
    database = Database("sqlite://")
    app = create_app(Settings(), database, packages=["hsm"])
    with TestClient(app) as client:
        client.auth = ("nobody", "x")
        result = read_card_bas(
            ReferenceReader(InProcessTransport(make_ref_card(3).card())),
            1,
            HttpHsm("http://testserver", client=client),
        ).result
    assert result.code == -42 and "加密机" in result.text
    unreachable = HttpHsm("http://127.0.0.1:9", timeout=2.0)
    reader = ReferenceReader(InProcessTransport(make_ref_card(3).card()))
    assert read_card_bas(reader, 1, unreachable).result.code == -11


def write_card(tmp_path: Path, generation: int) -> tuple[Path, str]:
    ref = make_ref_card(generation)
    path = tmp_path / f"card{generation}.json"
    path.write_text(json.dumps(ref.image, ensure_ascii=False), "utf-8")
    return path, ref.expected(HSM_TERMINAL_NUMBER)


def test_cli_reads_a_card_image_through_the_in_process_hsm(tmp_path: Path) -> None:
    path, expected = write_card(tmp_path, 3)
    result = CliRunner().invoke(
        sscard, ["reader", "read", "--card", str(path), "--hsm", "inprocess"]
    )
    assert result.exit_code == 0, result.output
    assert expected in result.output
    assert "mode: hsm" in result.output
    ssn = expected.split("|")[1]
    assert "社会保障号码" in result.output and f"│ {ssn}" not in result.output  # masked in table


def test_cli_reads_with_a_psam_image(tmp_path: Path) -> None:
    path, expected = write_card(tmp_path, 2)
    psam = tmp_path / "psam.json"
    psam.write_text(make_psam().to_json(), "utf-8")
    result = CliRunner().invoke(
        sscard, ["reader", "read", "--card", str(path), "--psam-card", str(psam)]
    )
    assert result.exit_code == 0, result.output
    terminal = IssuerProfile().terminal_number
    assert expected.replace(HSM_TERMINAL_NUMBER, terminal) in result.output
    assert "mode: psam" in result.output


def test_cli_without_psam_or_hsm_reports_minus_2201(tmp_path: Path) -> None:
    path, _ = write_card(tmp_path, 3)
    result = CliRunner().invoke(sscard, ["reader", "read", "--card", str(path)])
    assert result.exit_code == 1
    assert "-2201" in result.output and "未插PSAM卡" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --reader"),
        (["--card", "/nonexistent/card.json"], "cannot read"),
        (["--card", "{card}", "--hsm", "ftp://x"], "--hsm must be"),
        (
            ["--card", "{card}", "--hsm", "http://127.0.0.1:9", "--hsm-auth", "nocolon"],
            "INSTITUTION",
        ),
    ],
)
def test_cli_bad_input_is_a_clear_error(tmp_path: Path, args: list[str], message: str) -> None:
    path, _ = write_card(tmp_path, 3)
    argv = ["reader", "read", *[a.format(card=path) for a in args]]
    result = CliRunner().invoke(sscard, argv)
    assert result.exit_code == 2
    assert message in result.output
