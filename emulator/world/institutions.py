"""Institutions of the cast and the credentials the world uses for them.

The defaults are the demo institutions that `sscard backends serve` seeds (docs/http-api.md:
secret = "demo-" + code), so a scenario replays unchanged against this project's back-ends;
a third party's system is reached with the codes and secrets given in the cast.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Place kind -> the back-end institution acting for it by default (code).
DEFAULT_CODES: dict[str, str] = {
    "service-centre": "BUREAU500100",
    "kiosk": "BUREAU500100",
    "bank-branch": "BANK500100",
    "hsm": "HSM500100",
    "medical-agency": "A00000000001",
}
#: Hospital region -> demo hospital code (backends/medical/seed.py).
DEMO_HOSPITALS: dict[str, str] = {
    "440300": "H44030000001",
    "440100": "H44010000001",
    "500000": "H50000000001",
    "320100": "H32010000001",
}
PLACE_KINDS = ("service-centre", "kiosk", "bank-branch", "hospital", "medical-agency")


@dataclass(frozen=True)
class Institution:
    code: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.code, self.secret)


def institution_for(kind: str, region: str, code: str | None, secret: str | None) -> Institution:
    """The institution acting for a place; ValueError names what is missing."""
    if code is None:
        code = DEMO_HOSPITALS.get(region) if kind == "hospital" else DEFAULT_CODES.get(kind)
    if code is None:
        raise ValueError(f"no demo {kind} for region {region}: give its code and secret")
    return Institution(code, secret if secret is not None else f"demo-{code}")


def bureau() -> Institution:
    return institution_for("service-centre", "500100", None, None)


def bank() -> Institution:
    return institution_for("bank-branch", "500100", None, None)


def hsm() -> Institution:
    return institution_for("hsm", "500100", None, None)


def agency() -> Institution:
    return institution_for("medical-agency", "000000", None, None)
