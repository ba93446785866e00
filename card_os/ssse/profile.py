"""The issuer profile: every issuer choice of an SSSE card, with its documented default.

Facts the reference marks NF or unverified are fields here (DESIGN.md "Truths to keep");
docs/card-model.md lists each with its default and the card-spec section behind it.
The master keys below are TEST KEYS: fixed, public, and never to be used on a real card.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from card_os.ssse.layouts import DEFAULT_DF_LAYOUTS, DfLayout

__all__ = ["TEST_MASTER_KEYS", "IssuerProfile", "KeyIds", "PinPolicy", "ProfileError"]

PinGuard = Literal["ef05_read", "ef06_read", "df01_read", "df02_read", "df03_read", "df04_read"]

# TEST KEYS ONLY: fixed so that cards, PSAMs and the HSM of a test world agree.
TEST_MASTER_KEYS: dict[str, str] = {
    "internal_auth": "7E57" * 8,  # card authentication (INTERNAL AUTHENTICATE)
    "rkssse": "7E570A0A" * 4,  # RKSSSE, 3rd-gen read authorisation (card-spec §2.4)
    "issuer_write": "7E570404" * 4,  # EF05 maintenance (card-spec §2.1: key id 04)
    "holder_write": "7E570D0D" * 4,  # EF06 and DFxx maintenance (card-spec §2.1: key id 0D)
    "pin_reload": "7E570606" * 4,  # PIN reload/unblock via HSM (card-spec §2.1, §2.4: 06)
}


class ProfileError(ValueError):
    """An issuer profile value is wrong; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PinPolicy(_Strict):
    """The SSSE PIN (card-spec §2.3)."""

    default: str = Field(default="123456", description="initial PIN (card-spec §2.3: 123456)")
    min_len: int = Field(default=4, ge=4, le=16)
    max_len: int = Field(default=16, ge=4, le=16)
    retry_limit: Literal[3, 6, 8] = Field(default=3, description="card-spec §2.3: 3, 6 or 8")
    guards: list[PinGuard] = Field(default_factory=lambda: ["df04_read"])
    change_header: str = Field(
        default="805E0100",
        description="CHANGE PIN CLA INS P1 P2; PBOC's, not verified for SSSE (card-spec §2.1)",
    )

    @field_validator("default")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not value.isascii() or not value.isdigit() or not 4 <= len(value) <= 16:
            raise ValueError("PIN must be 4-16 decimal digits (card-spec §2.3)")
        return value

    @field_validator("change_header")
    @classmethod
    def _header(cls, value: str) -> str:
        if len(value) != 8 or any(c not in "0123456789abcdefABCDEF" for c in value):
            raise ValueError("change_header must be 8 hex digits (CLA INS P1 P2)")
        return value.upper()


class KeyIds(_Strict):
    """Key references on the card (card-spec §2.1: ids are issuer-configurable)."""

    internal_auth: int = Field(default=0x08, ge=1, le=0x1F)
    rkssse: int = Field(default=0x0A, ge=1, le=0x1F)
    issuer_write: int = Field(default=0x04, ge=1, le=0x1F)
    holder_write: int = Field(default=0x0D, ge=1, le=0x1F)
    pin_reload: int = Field(default=0x06, ge=1, le=0x1F)


class AtrMaker(_Strict):
    """Historical-byte maker fields (card-spec §5), hex."""

    chip_maker: str | None = Field(default=None, description="None: 0081 gen 2, 008C gen 3")
    cos: str = "543116"
    card_maker: str = "8660"


class IssuerProfile(_Strict):
    """All issuer choices of one card product."""

    generation: Literal[2, 3] = 3
    algorithm_id: int | None = Field(
        default=None, ge=0, le=0xFF, description="9F0C 86 value; None: 01 gen 2, 03 gen 3"
    )
    pin: PinPolicy = Field(default_factory=PinPolicy)
    key_ids: KeyIds = Field(default_factory=KeyIds)
    master_keys: dict[str, str] = Field(default_factory=lambda: dict(TEST_MASTER_KEYS))
    card_category: str = Field(default="3", min_length=1, max_length=1)
    init_institution: str = Field(default="D15600000500000000000001", description="12 bytes hex")
    name_ext_pad: int = Field(default=0x00, ge=0, le=0xFF, description="姓名扩展 padding byte")
    name_ext_on_gen2: bool = True
    formal_validity_years: int = Field(default=10, ge=1, le=30)
    temporary_validity_days: int = Field(default=60, ge=1, le=183)
    temporary_dfs: list[int] = Field(
        default_factory=lambda: [0xDF01, 0xDF04],
        description="DFs a temporary card carries: identity and medical (issue 3)",
    )
    terminal_number: str = Field(default="500100000001", description="PSAM 终端机编号, 12 digits")
    atr: AtrMaker = Field(default_factory=AtrMaker)
    offer_t1: bool = False
    df_layouts: list[DfLayout] = Field(default_factory=lambda: list(DEFAULT_DF_LAYOUTS))

    @property
    def algorithm(self) -> int:
        """The 9F0C algorithm identifier (card-spec §2.1; mapping INF: 01 3DES, 03 SM4)."""
        if self.algorithm_id is not None:
            return self.algorithm_id
        return 0x01 if self.generation == 2 else 0x03

    @property
    def cipher(self) -> str:
        """Block cipher of the card keys: 3DES for gen 2, SM4 for gen 3 (card-spec §2.4)."""
        return "sm4" if self.algorithm == 0x03 else "3des"

    @property
    def spec_version(self) -> str:
        """EF05 规范版本 (card-spec §1.3)."""
        return f"{self.generation}.00"

    @field_validator("master_keys")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        missing = set(TEST_MASTER_KEYS) - set(value)
        if missing:
            raise ValueError(f"missing master keys: {', '.join(sorted(missing))}")
        for name, key in value.items():
            if len(key) != 32 or any(c not in "0123456789abcdefABCDEF" for c in key):
                raise ValueError(f"master key {name!r} must be 32 hex digits (16 bytes)")
        return value

    @field_validator("init_institution")
    @classmethod
    def _institution(cls, value: str) -> str:
        if len(value) != 24 or any(c not in "0123456789abcdefABCDEF" for c in value):
            raise ValueError("init_institution must be 24 hex digits (12 bytes, card-spec §1.3)")
        return value.upper()

    @field_validator("terminal_number")
    @classmethod
    def _terminal(cls, value: str) -> str:
        if len(value) != 12 or not value.isdigit():
            raise ValueError("terminal_number must be 12 digits (card-spec §3.2 field 10)")
        return value

    @model_validator(mode="after")
    def _pin_lengths(self) -> IssuerProfile:
        pin = self.pin
        if pin.min_len > pin.max_len:
            raise ValueError("pin.min_len must not exceed pin.max_len")
        if not pin.min_len <= len(pin.default) <= pin.max_len:
            raise ValueError("pin.default length must lie within pin.min_len..pin.max_len")
        return self

    def master_key(self, name: str) -> bytes:
        """A master key by name (see TEST_MASTER_KEYS)."""
        return bytes.fromhex(self.master_keys[name])

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> IssuerProfile:
        """Validate a mapping; errors name the offending field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(profile)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ProfileError(f"bad issuer profile: {problems}") from None

    @classmethod
    def from_text(cls, text: str, overrides: dict[str, Any] | None = None) -> IssuerProfile:
        """Parse YAML or JSON text (JSON is YAML), then apply ``overrides``."""
        try:
            data = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as exc:
            raise ProfileError(f"issuer profile is not valid YAML/JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError("issuer profile must be a mapping of field names to values")
        return cls.from_mapping({**data, **(overrides or {})})

    def to_json_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data (stored in the card image)."""
        return json.loads(self.model_dump_json())
