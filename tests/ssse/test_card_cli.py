"""`sscard card new` and `sscard card show` as a new user would run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from card_os.card import Card
from emulator.cli.card import app as card_app
from emulator.population import make_cardholder

runner = CliRunner()

# The `card` group as mounted by the root `sscard` command (emulator/cli/__init__.py).
app = typer.Typer()
app.add_typer(card_app, name="card")


@pytest.mark.parametrize(
    "args",
    [["--generation", "2"], ["--generation", "3"], ["--kind", "temporary", "--region", "110101"]],
)
def test_new_then_show(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "card.json"
    result = runner.invoke(app, ["card", "new", *args, "--seed", "4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    image = json.loads(out.read_text(encoding="utf-8"))
    assert image["format"] == "sscard-image/1"
    assert Card(image).to_image() == image  # written in the card OS's canonical form
    text = out.read_text(encoding="utf-8")
    assert Card.from_json(text).to_json() == text  # load -> save is byte for byte
    again = tmp_path / "again.json"
    runner.invoke(app, ["card", "new", *args, "--seed", "4", "-o", str(again)])
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")

    shown = runner.invoke(app, ["card", "show", str(out)])
    assert shown.exit_code == 0, shown.output
    holder = make_cardholder(4)
    assert holder.citizen_id not in shown.output  # masked
    assert holder.citizen_id[:6] + "*" in shown.output
    assert holder.card_number in shown.output
    assert "9F0C03860" in shown.output
    assert holder.pan not in shown.output  # PAN masked too
    assert ("1PAY.SYS.DDF01" in shown.output) == ("temporary" not in args)


def test_profile_file_and_its_errors(tmp_path: Path) -> None:
    profile = tmp_path / "issuer.yaml"
    profile.write_text("generation: 2\npin: {retry_limit: 6}\n", encoding="utf-8")
    out = tmp_path / "card.json"
    result = runner.invoke(app, ["card", "new", "--profile", str(profile), "-o", str(out)])
    assert result.exit_code == 0, result.output
    image = json.loads(out.read_text(encoding="utf-8"))
    assert image["profile"]["generation"] == 2
    profile.write_text("pin: {retry_limit: 5}\n", encoding="utf-8")
    bad = runner.invoke(app, ["card", "new", "--profile", str(profile), "-o", str(out)])
    assert bad.exit_code == 2 and "pin.retry_limit" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--generation", "4"], "--generation"),
        (["--region", "50010"], "region"),
        (["--issued", "2024-13-01"], "bad value"),
        (["--profile", "/nonexistent/issuer.yaml"], "cannot read"),
    ],
)
def test_bad_arguments_get_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["card", "new", *args, "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_show_refuses_a_non_image(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["card", "show", str(bogus)])
    assert result.exit_code == 2 and "not a card image" in result.output
