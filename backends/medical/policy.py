"""Policies as data, per region: catalogues (place of treatment) and benefits (place of insurance).

backend-flows §2.1: the place of treatment supplies the catalogue and payment scope; the place of
insurance supplies deductible, payment ratio and annual cap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from backends.medical.money import CENT

Kind = Literal["outpatient", "inpatient"]
ItemClass = Literal["A", "B", "C"]

DEFAULT_POLICIES = Path(__file__).with_name("policies.yaml")
POLICIES_ENV = "SSCARD_MEDICAL_POLICIES"


@dataclass(frozen=True)
class KindBenefit:
    deductible: Decimal
    deductible_basis: Literal["year", "visit"]
    ratio: Decimal


@dataclass(frozen=True)
class Benefit:
    """What the fund of one insurance type of one region pays."""

    annual_cap: Decimal
    acct_covers_ownpay: bool
    kinds: dict[str, KindBenefit]


@dataclass(frozen=True)
class Catalogue:
    selfpay_prop: dict[str, Decimal]
    unlisted_class: ItemClass
    items: dict[str, ItemClass]

    def item_class(self, med_list_codg: str) -> ItemClass:
        return self.items.get(med_list_codg, self.unlisted_class)


@dataclass(frozen=True)
class Region:
    admdvs: str
    name: str
    catalogue: Catalogue
    benefits: dict[str, Benefit]

    @property
    def province(self) -> str:
        return self.admdvs[:2]


@dataclass(frozen=True)
class NationalRules:
    emergency_med_types: frozenset[str]
    filing_required_in_province: bool
    reversible_infnos: frozenset[str]
    default_filing_days: int


@dataclass(frozen=True)
class PolicyBook:
    national: NationalRules
    regions: dict[str, Region]

    def region(self, admdvs: str) -> Region | None:
        return self.regions.get(admdvs)


def _decimal(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def parse_policies(document: dict) -> PolicyBook:
    """A `PolicyBook` from the YAML document (see policies.yaml)."""
    if document.get("format") != "sscard-medical-policies/1":
        raise ValueError("policy document format must be sscard-medical-policies/1")
    nat = document["national"]
    national = NationalRules(
        emergency_med_types=frozenset(str(t) for t in nat["emergency_med_types"]),
        filing_required_in_province=bool(nat["filing_required_in_province"]),
        reversible_infnos=frozenset(str(t) for t in nat["reversible_infnos"]),
        default_filing_days=int(nat["default_filing_days"]),
    )
    regions: dict[str, Region] = {}
    for admdvs, spec in document["regions"].items():
        cat = spec["catalogue"]
        catalogue = Catalogue(
            selfpay_prop={k: Decimal(str(v)) for k, v in cat["selfpay_prop"].items()},
            unlisted_class=cat["unlisted_class"],
            items={str(k): v for k, v in cat["items"].items()},
        )
        benefits = {
            str(insutype): Benefit(
                annual_cap=_decimal(b["annual_cap"]),
                acct_covers_ownpay=bool(b["acct_covers_ownpay"]),
                kinds={
                    kind: KindBenefit(
                        deductible=_decimal(b[kind]["deductible"]),
                        deductible_basis=b[kind]["deductible_basis"],
                        ratio=Decimal(str(b[kind]["ratio"])),
                    )
                    for kind in ("outpatient", "inpatient")
                },
            )
            for insutype, b in spec["benefits"].items()
        }
        regions[str(admdvs)] = Region(str(admdvs), spec["name"], catalogue, benefits)
    return PolicyBook(national, regions)


@cache
def load_policies(path: str | None = None) -> PolicyBook:
    """The policy book from `path`, $SSCARD_MEDICAL_POLICIES or the packaged defaults."""
    source = Path(path or os.environ.get(POLICIES_ENV) or DEFAULT_POLICIES)
    return parse_policies(yaml.safe_load(source.read_text(encoding="utf-8")))
