"""`sscard backends` sub-commands."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Back-end institutions (medical insurance, bureau, bank, HSM, hospital).")


@app.callback()
def _backends() -> None:
    """Back-end institutions (medical insurance, bureau, bank, HSM, hospital)."""


@app.command()
def serve(
    db: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL (default: SSCARD_DB_URL or a local file)")
    ] = None,
    host: Annotated[str, typer.Option(help="address to listen on (local only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8600,
    seed_demo: Annotated[bool, typer.Option(help="create the demo institutions")] = True,
) -> None:
    """Serve every back-end service over HTTP (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from backends.core import Settings, create_app

    overrides: dict[str, object] = {"seed_demo": seed_demo}
    if db is not None:
        overrides["db_url"] = db
    settings = Settings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    app()
