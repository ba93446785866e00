"""The requirements the suites verify, each with its clause reference.

ISO/IEC clause numbers follow ISO/IEC 7816-4:2005 and 7816-3:2006. The social security card
specification is not public; its requirements are cited as summarised in the project reference
(card-spec §, backend-flows §), and the summary's confidence mark applies to the requirement."""

from __future__ import annotations

from conformance.model import Requirement

_ISO4 = "ISO/IEC 7816-4:2005"
_ISO3 = "ISO/IEC 7816-3:2006"
_CARD = "SSC spec (card-spec)"
_PBOC = "JR/T 0025 (PBOC 3.0) / EMV 4.3"
_LDT = "LD/T 6001.5-2023 (card-spec §3)"
_MED = "NHSA interface (backend-flows)"
_DESIGN = "sscard DESIGN.md"

_ALL: list[Requirement] = [
    # ISO/IEC 7816-4 and -3: the card operating system
    Requirement(
        "ISO4-SEL-FID", _ISO4, "7.1.1", "SELECT by file identifier selects the file or answers 6A82"
    ),
    Requirement(
        "ISO4-SEL-NAME", _ISO4, "7.1.1", "SELECT by DF name selects the DF and returns its FCI"
    ),
    Requirement(
        "ISO4-SEL-P1P2", _ISO4, "7.1.1, 5.1.3", "SELECT with unsupported P1-P2 answers 6A86"
    ),
    Requirement(
        "ISO4-FCP",
        _ISO4,
        "5.3.3",
        "SELECT with P2=04 returns an FCP template (62) holding the FID (83)",
    ),
    Requirement(
        "ISO4-FCI",
        _ISO4,
        "5.3.3",
        "SELECT of a DF by name returns an FCI template (6F) holding the DF name (84)",
    ),
    Requirement(
        "ISO4-RB",
        _ISO4,
        "7.2.3",
        "READ BINARY returns the bytes of a transparent EF from the offset",
    ),
    Requirement(
        "ISO4-RB-SFI", _ISO4, "7.2.3", "READ BINARY with P1 b8=1 addresses the EF by its SFI"
    ),
    Requirement(
        "ISO4-RB-RANGE",
        _ISO4,
        "7.2.3, 5.1.3",
        "READ BINARY beyond the end answers 6B00 (or 6282 with the remaining bytes)",
    ),
    Requirement(
        "ISO4-STRUCT", _ISO4, "5.1.3", "A command incompatible with the file structure answers 6981"
    ),
    Requirement(
        "ISO4-UB",
        _ISO4,
        "7.2.5",
        "UPDATE BINARY replaces bytes of a transparent EF when access is granted",
    ),
    Requirement("ISO4-RR-NUM", _ISO4, "7.3.3", "READ RECORD by record number returns that record"),
    Requirement(
        "ISO4-RR-ID",
        _ISO4,
        "7.3.3",
        "READ RECORD by record identifier returns the first record with that identifier",
    ),
    Requirement(
        "ISO4-RR-NF", _ISO4, "7.3.3, 5.1.3", "READ RECORD of an absent record answers 6A83"
    ),
    Requirement(
        "ISO4-AC",
        _ISO4,
        "5.4.3, 5.1.3",
        "An operation whose access condition is not met answers 6982 and changes nothing",
    ),
    Requirement(
        "ISO4-VERIFY",
        _ISO4,
        "7.5.6",
        "VERIFY with the correct reference data sets the security status and answers 9000",
    ),
    Requirement(
        "ISO4-VERIFY-FAIL",
        _ISO4,
        "7.5.6, 5.1.3",
        "A failed VERIFY answers 63Cx where x is the number of further tries allowed",
    ),
    Requirement(
        "ISO4-VERIFY-CTR",
        _ISO4,
        "7.5.6",
        "Every failed VERIFY decrements the retry counter; a successful one restores it",
    ),
    Requirement(
        "ISO4-VERIFY-BLOCK",
        _ISO4,
        "7.5.6, 5.1.3",
        "A PIN whose counter reached zero is blocked: VERIFY answers 6983, even with the right PIN",
    ),
    Requirement(
        "ISO4-VERIFY-QUERY",
        _ISO4,
        "7.5.6",
        "VERIFY without data returns the verification status (9000 or 63Cx)",
    ),
    Requirement(
        "ISO4-CHAL",
        _ISO4,
        "7.5.3",
        "GET CHALLENGE returns a fresh random number of the requested length",
    ),
    Requirement(
        "ISO4-EXTAUTH",
        _ISO4,
        "7.5.4",
        "EXTERNAL AUTHENTICATE with a correct cryptogram over the challenge sets the security status",
    ),
    Requirement(
        "ISO4-EXTAUTH-FAIL",
        _ISO4,
        "7.5.4, 5.1.3",
        "EXTERNAL AUTHENTICATE with a wrong cryptogram is refused (63Cx) and grants nothing",
    ),
    Requirement(
        "ISO4-EXTAUTH-NOCHAL",
        _ISO4,
        "7.5.4, 5.1.3",
        "EXTERNAL AUTHENTICATE without a preceding challenge is refused (6984 or 6985)",
    ),
    Requirement(
        "ISO4-SM-MAC",
        _ISO4,
        "6.2.3.5",
        "A command with CLA b3=1 is executed only when its cryptographic checksum verifies",
    ),
    Requirement(
        "ISO4-SM-BAD", _ISO4, "6.2.3.5, 5.1.3", "A wrong checksum answers 6988 and changes nothing"
    ),
    Requirement(
        "ISO4-SEC-RESET",
        _ISO4,
        "5.4.1",
        "The security status is reset by a card reset or deactivation",
    ),
    Requirement(
        "ISO3-T0-61",
        _ISO3,
        "12.2.4",
        "Under T=0 a case-4 command answers 61xx and GET RESPONSE delivers the data",
    ),
    Requirement(
        "ISO3-T0-6C",
        _ISO3,
        "12.2.2",
        "Under T=0 a wrong Le answers 6Cxx with the exact length; re-issuing with it delivers the data",
    ),
    Requirement(
        "ISO4-GR-STALE",
        _ISO4,
        "7.6.1, 5.1.3",
        "GET RESPONSE returns only data left by the immediately preceding command",
    ),
    Requirement(
        "ISO4-MAL-LEN",
        _ISO4,
        "5.1, 5.1.3",
        "A command whose length is inconsistent with its Lc answers 6700",
    ),
    Requirement("ISO4-MAL-INS", _ISO4, "5.1.3", "An unknown instruction answers 6D00"),
    Requirement("ISO4-MAL-CLA", _ISO4, "5.1.3", "An unsupported class answers 6E00"),
    Requirement(
        "ISO4-MAL-ANY",
        _DESIGN,
        "Truths to keep",
        "Any byte string sent as an APDU gets a well-formed status word",
    ),
    # The social security card, as summarised in card-spec
    Requirement(
        "SSC-PIN-63CX",
        _CARD,
        "§2.2, §2.3",
        "A wrong PIN answers 63Cx with the remaining tries; a locked PIN answers 6983",
    ),
    Requirement("SSC-PIN-FORMAT", _CARD, "§2.3", "The PIN is 4 to 16 digits sent as packed BCD"),
    Requirement(
        "SSC-T0",
        _CARD,
        "§2.1, §7",
        "T=0 cards answer 61xx on SELECT and honour 6Cxx for a wrong Le",
    ),
]

REQUIREMENTS: dict[str, Requirement] = {r.id: r for r in _ALL}


def req(*ids: str) -> tuple[Requirement, ...]:
    """The requirements with the given IDs (a typo is an error at import time)."""
    missing = [i for i in ids if i not in REQUIREMENTS]
    if missing:
        raise KeyError(f"unknown requirement IDs: {', '.join(missing)}")
    return tuple(REQUIREMENTS[i] for i in ids)


def register(*requirements: Requirement) -> None:
    """Add requirements from a suite module (IDs must be unique)."""
    for r in requirements:
        if r.id in REQUIREMENTS and REQUIREMENTS[r.id] != r:
            raise ValueError(f"requirement {r.id} defined twice differently")
        REQUIREMENTS[r.id] = r


__all__ = ["REQUIREMENTS", "_CARD", "_DESIGN", "_LDT", "_MED", "_PBOC", "register", "req"]
