"""`sscard reader` sub-commands: the reference reader from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emulator.population import mask_id
from emulator.reader.basic_info import BasicInfo, OutputFormatError
from emulator.reader.hsm import HsmService, HttpHsm, InProcessHsm
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas

app = typer.Typer(help="reader commands", no_args_is_help=True)

#: --hsm value selecting the back-end's HSM in this process (test keys of the default profile).
IN_PROCESS = "inprocess"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _transport(address: str | None, image: Path | None, what: str):
    """A Transport for ``pcsc:N`` or a card image file; None when neither is given."""
    if address and image:
        raise _fail(f"give either --{what} or --{what}-card, not both")
    if address:
        from emulator.pcsc import PcscError, PcscTransport

        try:
            return PcscTransport.from_address(address)
        except (PcscError, ValueError) as exc:
            raise _fail(f"bad --{what} {address!r}: {exc}") from None
    if image:
        from card_os.card import Card
        from emulator.transport import InProcessTransport

        try:
            return InProcessTransport(Card.from_json(image.read_bytes()), description=str(image))
        except OSError as exc:
            raise _fail(f"cannot read {image}: {exc.strerror}") from None
        except ValueError as exc:
            raise _fail(f"{image} is not a card image: {exc}") from None
    return None


def _hsm(url: str | None, auth: str | None) -> HsmService | None:
    if url is None:
        return None
    if url == IN_PROCESS:
        return InProcessHsm()
    if not url.startswith(("http://", "https://")):
        raise _fail(f"--hsm must be an http(s) URL or {IN_PROCESS!r}, got {url!r}")
    credentials = None
    if auth:
        user, sep, secret = auth.partition(":")
        if not sep:
            raise _fail("--hsm-auth must be INSTITUTION:SECRET")
        credentials = (user, secret)
    return HttpHsm(url, auth=credentials)


def _table(info: BasicInfo, show_id: bool) -> Table:
    table = Table(title="iReadCardBas", show_header=True)
    table.add_column("#", justify="right")
    table.add_column("字段")
    table.add_column("值")
    for index, (label, value) in enumerate(info.labelled(), start=1):
        shown = value if show_id or label != "社会保障号码" else mask_id(value)
        table.add_row(str(index), label, shown)
    return table


@app.command("read")
def read(
    reader: Annotated[
        str | None, typer.Option("--reader", help="card reader: pcsc:<index or name>")
    ] = None,
    card: Annotated[
        Path | None, typer.Option("--card", help="card image (sscard card new) read in-process")
    ] = None,
    psam: Annotated[str | None, typer.Option("--psam", help="PSAM reader: pcsc:<n>")] = None,
    psam_card: Annotated[
        Path | None, typer.Option("--psam-card", help="PSAM card image, in-process")
    ] = None,
    hsm: Annotated[
        str | None,
        typer.Option("--hsm", help=f"HSM service base URL, or {IN_PROCESS!r}; used on fallback"),
    ] = None,
    hsm_auth: Annotated[
        str | None, typer.Option("--hsm-auth", help="INSTITUTION:SECRET for the HSM service")
    ] = None,
    itype: Annotated[int, typer.Option("--itype", help="1 contact, 2 contactless, 3/4 auto")] = 1,
    show_id: Annotated[bool, typer.Option(help="show the 社会保障号码 unmasked")] = False,
) -> None:
    """iReadCardBas through the reference reader, with the HSM fallback of real terminals."""
    transport = _transport(reader, card, "reader")
    if transport is None:
        raise _fail("give --reader pcsc:N or --card card.json")
    psam_transport = _transport(psam, psam_card, "psam")
    terminal = ReferenceReader(
        transport, psam=PsamClient(psam_transport) if psam_transport else None
    )
    result, mode = read_card_bas(terminal, itype, _hsm(hsm, hsm_auth))
    console = Console()
    if not result.ok:
        Console(stderr=True).print(f"[red]{result.code}[/red] {result.text}")
        raise typer.Exit(code=1)
    try:
        console.print(_table(BasicInfo.from_out_string(result.text), show_id))
    except OutputFormatError as exc:
        console.print(f"[yellow]output is not the 11-field string:[/yellow] {exc}")
    console.print(f"mode: {mode}")
    console.print(result.text, markup=False, highlight=False, soft_wrap=True)
