"""Request and response bodies of the HSM API (hex at the edge, bytes inside)."""

from __future__ import annotations

from pydantic import BaseModel, Field

HEX = r"^([0-9A-Fa-f]{2})*$"


class Step1Request(BaseModel):
    step1: str = Field(
        max_length=400,
        description="iReadCardBas_HSM_Step1 output: 9 fields, each followed by '|' "
        "(card-spec §2.4)",
    )


class Step2Response(BaseModel):
    pkey: str = Field(description="pKey for iReadCardBas_HSM_Step2 (card-spec §2.4)")


class PinReloadRequest(BaseModel):
    algorithm: str = Field(pattern=r"^\d{2}$", description="9F0C algorithm id: 01 or 03")
    region: str = Field(pattern=r"^\d{6}$", description="issuing-area code (区划代码)")
    historical: str = Field(pattern=HEX, min_length=26, max_length=26, description="ATR hist.")
    challenge: str = Field(pattern=HEX, min_length=16, max_length=16, description="GET CHALLENGE")
    new_pin: str = Field(pattern=r"^\d{4,16}$", description="never logged")


class PinReloadResponse(BaseModel):
    apdu: str = Field(description="84 24 00 01 14 + enciphered PIN block + MAC, hex")


class PinReloadAuthRequest(BaseModel):
    algorithm: str = Field(pattern=r"^\d{2}$", description="9F0C algorithm id: 01 or 03")
    region: str = Field(pattern=r"^\d{6}$", description="issuing-area code (区划代码)")
    historical: str = Field(pattern=HEX, min_length=26, max_length=26, description="ATR hist.")
    factor: str = Field(pattern=HEX, min_length=16, max_length=16, description="process factor")
    challenge: str = Field(pattern=HEX, min_length=16, max_length=16, description="GET CHALLENGE")


class PinReloadAuthResponse(BaseModel):
    data: str = Field(description="16 bytes for 00 82 00 <reload key> 10: factor ‖ cryptogram")
