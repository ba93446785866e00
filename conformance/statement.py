"""The conformance statement (PICS: what the implementation claims) and the extra
information for testing (PIXIT: what the tests need to drive it), both read from YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class StatementError(ValueError):
    """A PICS or PIXIT file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hex(value: str) -> str:
    cleaned = value.replace(" ", "").upper()
    try:
        bytes.fromhex(cleaned)
    except ValueError as exc:
        raise ValueError(f"not a hex string: {value!r}") from exc
    return cleaned


class Pics(_Strict):
    """Implementation conformance statement: the features the implementation claims."""

    implementation: str = "sscard reference emulator"
    generation: Literal[2, 3] = 3
    algorithms: tuple[Literal["3des", "sm4"], ...] = ("3des", "sm4")
    contactless: bool = False
    financial_application: bool = True
    transmission_protocol: Literal["T=0", "T=1"] = "T=0"
    pin_retry_limit: int = Field(default=3, ge=1, le=15)
    optional_commands: dict[str, bool] = Field(default_factory=dict)

    def supports(self, command: str) -> bool:
        """Whether the optional command or feature `command` is claimed (unlisted: not claimed)."""
        return self.optional_commands.get(command, False)


class KeyInfo(_Strict):
    """A test key the tester may use: its reference on the card, algorithm and value."""

    ref: int = Field(ge=0, le=255)
    algorithm: Literal["3des", "sm4"]
    value: str

    @field_validator("value")
    @classmethod
    def _value_is_hex(cls, value: str) -> str:
        return _hex(value)

    @property
    def key(self) -> bytes:
        return bytes.fromhex(self.value)


class PinInfo(_Strict):
    """A PIN object: its reference and the correct value (never printed)."""

    ref: int = Field(ge=0, le=255)
    value: str = Field(pattern=r"^[0-9]{4,16}$")


class FileInfo(_Strict):
    """A file of the test layout: FID, optional SFI, and its known content."""

    fid: str
    sfi: int | None = Field(default=None, ge=1, le=30)
    data: str | None = None
    records: tuple[str, ...] = ()

    @field_validator("fid")
    @classmethod
    def _fid_is_hex(cls, value: str) -> str:
        return _hex(value)

    @property
    def fid_bytes(self) -> bytes:
        return bytes.fromhex(self.fid)

    @property
    def content(self) -> bytes:
        return bytes.fromhex(self.data or "")

    @property
    def record_bytes(self) -> list[bytes]:
        return [bytes.fromhex(r) for r in self.records]


class CardOsLayout(_Strict):
    """Where the card-OS suite finds the objects it exercises on the card under test."""

    df_name: str
    df_fid: str
    transparent: FileInfo  # read always, update pin
    records: FileInfo  # linear variable, simple-TLV records, read always
    pin_read: FileInfo  # read needs the PIN
    key_read: FileInfo  # read needs EXTERNAL AUTHENTICATE with auth_key
    mac_update: FileInfo  # update needs a secure-messaging MAC under mac_key
    never_read: FileInfo  # read never
    pin: PinInfo
    auth_key: KeyInfo
    mac_key: KeyInfo

    @property
    def df_name_bytes(self) -> bytes:
        return bytes.fromhex(self.df_name)


class Pixit(_Strict):
    """Protocol implementation extra information for testing."""

    reader: str | None = None
    card_image: str | None = None
    allow_destructive: bool = True
    card_os: CardOsLayout | None = None
    pins: dict[str, PinInfo] = Field(default_factory=dict)
    keys: dict[str, KeyInfo] = Field(default_factory=dict)
    base_urls: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StatementError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise StatementError(f"{path}: not valid YAML: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StatementError(f"{path}: the top level must be a mapping")
    return document


def _explain(path: Path | str, exc: ValidationError) -> StatementError:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
    )
    return StatementError(f"{path}: {problems}")


def load_pics(path: Path | None, base: Pics | None = None) -> Pics:
    """Read a PICS file; fields it leaves out keep the values of `base` (or the defaults)."""
    if path is None:
        return base or Pics()
    merged = {**(base.model_dump() if base else {}), **_load_yaml(path)}
    try:
        return Pics.model_validate(merged)
    except ValidationError as exc:
        raise _explain(path, exc) from exc


def load_pixit(path: Path | None, base: Pixit | None = None) -> Pixit:
    """Read a PIXIT file; top-level sections it leaves out keep those of `base`."""
    if path is None:
        return base or Pixit()
    merged = {**(base.model_dump() if base else {}), **_load_yaml(path)}
    try:
        return Pixit.model_validate(merged)
    except ValidationError as exc:
        raise _explain(path, exc) from exc
