"""Access conditions per file and operation.

Grammar (docs/internals.md): a condition is `always`, `never`, or terms joined by `&` (all)
or `|` (any), not mixed. A term is `pin:N` (PIN N verified), `key:N` (EXTERNAL AUTHENTICATE
with key N succeeded) or `mac:N` (the command carries a valid secure-messaging MAC under key
N). References are decimal or 0x-prefixed hex. Card-spec §1.1 lists the same controls as
free / PIN / KEY / PIN|KEY / PIN+KEY / FF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from card_os.types import KeyRef

if TYPE_CHECKING:
    from card_os.fs import DF
    from card_os.security import SecurityState

OPERATIONS = ("read", "update", "append", "create", "delete", "activate", "deactivate")
TERM_KINDS = ("pin", "key", "mac")

#: What an operation requires when a file's `acl` does not name it (an issuer choice:
#: reading is free, changing anything is forbidden unless the image says otherwise).
DEFAULTS = {"read": "always"}
DEFAULT_OTHER = "never"


class Rule:
    """A compiled access condition."""

    __slots__ = ("_df", "_resolved", "kind", "mac_ref", "terms", "text")

    def __init__(self, text: str, kind: str, terms: tuple[tuple[str, int], ...]) -> None:
        self.text = text
        self.kind = kind  # "always", "never", "all" or "any"
        self.terms = terms
        self.mac_ref: KeyRef | None = next((r for k, r in terms if k == "mac"), None)
        # PIN and key objects resolved for the DF last checked (the tree's shape is fixed
        # once loaded, so one resolution per file serves every later APDU).
        self._df: DF | None = None
        self._resolved: tuple[tuple[str, object, int], ...] = ()

    def _resolve(self, df: DF) -> tuple[tuple[str, object, int], ...]:
        resolved = tuple(
            (
                kind,
                df.find_pin(ref) if kind == "pin" else df.find_key(ref) if kind == "key" else None,
                ref,
            )
            for kind, ref in self.terms
        )
        self._df, self._resolved = df, resolved
        return resolved

    def satisfied(self, df: DF, security: SecurityState, mac_ref: KeyRef | None) -> bool:
        """True when the security state (and a MAC verified under key `mac_ref`) meets this rule.

        PIN and key references resolve from `df` (the file's DF) up to the MF.
        """
        if self.kind == "always":
            return True
        if self.kind == "never":
            return False
        resolved = self._resolved if self._df is df else self._resolve(df)
        want_all = self.kind == "all"
        for kind, obj, ref in resolved:
            if kind == "pin":
                ok = obj is not None and obj in security.pins
            elif kind == "key":
                ok = obj is not None and obj in security.keys
            else:
                ok = mac_ref == ref
            if ok and not want_all:
                return True
            if not ok and want_all:
                return False
        return want_all

    def __repr__(self) -> str:
        return f"Rule({self.text!r})"


ALWAYS = Rule("always", "always", ())
NEVER = Rule("never", "never", ())


def _parse_ref(text: str, where: str) -> int:
    try:
        ref = int(text, 0)
    except ValueError:
        raise ValueError(f"{where}: reference {text!r} is not a number") from None
    if not 0 <= ref <= 0xFF:
        raise ValueError(f"{where}: reference {ref} out of range 0..255")
    return ref


def parse_rule(text: str) -> Rule:
    """Compile an access condition; ValueError naming the fault when it is malformed."""
    stripped = text.strip()
    if stripped == "always":
        return ALWAYS
    if stripped == "never":
        return NEVER
    if "&" in stripped and "|" in stripped:
        raise ValueError(f"access rule {text!r} mixes '&' and '|'")
    sep, kind = ("|", "any") if "|" in stripped else ("&", "all")
    terms = []
    for part in stripped.split(sep):
        name, colon, ref = part.strip().partition(":")
        if not colon or name not in TERM_KINDS:
            raise ValueError(
                f"access rule {text!r}: term {part.strip()!r} is not pin:N, key:N or mac:N"
            )
        terms.append((name, _parse_ref(ref, f"access rule {text!r}")))
    return Rule(text, kind, tuple(terms))


def compile_acl(acl: dict[str, str]) -> dict[str, Rule]:
    """Compile a file's `acl` mapping, filling operations it omits with the defaults."""
    for op in acl:
        if op not in OPERATIONS:
            raise ValueError(f"unknown operation {op!r} in acl (expected one of {OPERATIONS})")
    return {op: parse_rule(acl.get(op, DEFAULTS.get(op, DEFAULT_OTHER))) for op in OPERATIONS}
