"""`sscard card serve`: serve card images into pcscd through vpcd until stopped."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from emulator.vpcd import CardServer, Endpoint, SlotBridge, TraceWriter, port_for_slot
from emulator.vpcd.framing import VPCD_SLOTS

console = Console(stderr=True)


@dataclass
class ServedImage:
    """A card loaded from an image file, written back atomically on `save()`."""

    path: Path
    card: Any
    writable: bool

    @classmethod
    def load(cls, path: Path, writable: bool) -> ServedImage:
        """Parse the image at `path` into a `card_os.card.Card`."""
        from card_os.card import Card  # the card OS; imported late so `--help` stays fast

        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise typer.BadParameter(f"cannot read card image {path}: {error.strerror}") from None
        try:
            card = Card.from_json(text)
        except (ValueError, KeyError, TypeError) as error:
            raise typer.BadParameter(f"{path} is not a valid card image: {error}") from None
        return cls(path=path, card=card, writable=writable)

    def save(self) -> None:
        """Persist the card image next to the original, then rename over it."""
        if not self.writable:
            return
        image = self.card.to_image()
        text = image if isinstance(image, str) else json.dumps(image, indent=2, ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
        os.replace(temporary, self.path)


class _Persister:
    """Saves every image; called from the slot threads (on removal) and at shutdown."""

    def __init__(self, images: list[ServedImage]) -> None:
        self._images = images
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            for image in self._images:
                image.save()


def _endpoints(count: int, slot: int, host: str, port: int | None, listen: bool) -> list[Endpoint]:
    if slot + count > VPCD_SLOTS and port is None:
        raise typer.BadParameter(
            f"{count} card(s) from slot {slot} need slots up to {slot + count - 1}, "
            f"but vpcd has slots 0..{VPCD_SLOTS - 1}; give --port to use other ports"
        )
    first = port if port is not None else port_for_slot(slot)
    return [Endpoint(host=host, port=first + index, listen=listen) for index in range(count)]


def serve(
    cards: Annotated[list[Path], typer.Argument(help="card image(s) (JSON); one per slot")],
    slot: Annotated[
        int, typer.Option(min=0, max=VPCD_SLOTS - 1, help="vpcd slot of the first card")
    ] = 0,
    host: Annotated[str, typer.Option(help="where vpcd listens (or where to listen)")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="port of the first card (default: the slot's)"),
    ] = None,
    listen: Annotated[
        bool, typer.Option("--listen", help="reversed mode: listen, vpcd connects to us")
    ] = False,
    trace: Annotated[
        Path | None, typer.Option(help="append each exchange as JSON lines (PINs masked)")
    ] = None,
    save: Annotated[
        bool, typer.Option(help="write the card state back to its image on removal and exit")
    ] = True,
) -> None:
    """Serve card images into PC/SC readers (vsmartcard vpcd) until SIGINT/SIGTERM.

    SIGUSR1 removes the cards from their readers, SIGUSR2 inserts them again.
    """
    logging.basicConfig(level=logging.WARNING)
    endpoints = _endpoints(len(cards), slot, host, port, listen)
    images = [ServedImage.load(path, writable=save) for path in cards]
    writer = TraceWriter.open(trace) if trace is not None else None
    try:
        bridges = [
            SlotBridge(image.card, endpoint, slot=slot + index, observer=writer)
            for index, (image, endpoint) in enumerate(zip(images, endpoints, strict=True))
        ]
    except OSError as error:
        raise typer.BadParameter(f"cannot listen on {host}: {error.strerror}") from None
    server = CardServer(bridges, persist=_Persister(images))
    server.install_signal_handlers()
    server.start()
    for image, bridge in zip(images, bridges, strict=True):
        mode = "listening on" if listen else "vpcd at"
        where = f"{bridge.endpoint.host}:{bridge.listening_port or bridge.endpoint.port}"
        console.print(f"slot {bridge.slot}: {image.path} ({mode} {where})")
    console.print(
        f"pid {os.getpid()}: Ctrl-C or SIGTERM stops and saves; "
        "SIGUSR1 removes the cards, SIGUSR2 inserts them"
    )
    try:
        server.wait()
    finally:
        if writer is not None:
            writer.close()
    console.print("stopped; card images saved" if save else "stopped")
