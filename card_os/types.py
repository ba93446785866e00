"""Domain aliases used across the card OS."""

from __future__ import annotations

from typing import TypeAlias

SW: TypeAlias = int
"""A status word, 0x0000..0xFFFF (e.g. 0x9000)."""
Fid: TypeAlias = int
"""A file identifier, 0x0000..0xFFFF (e.g. 0x3F00)."""
Sfi: TypeAlias = int
"""A short EF identifier, 1..30."""
KeyRef: TypeAlias = int
"""A key reference (P2 of EXTERNAL/INTERNAL AUTHENTICATE, `key:N` in access rules)."""
PinRef: TypeAlias = int
"""A PIN reference (P2 of VERIFY, `pin:N` in access rules)."""
