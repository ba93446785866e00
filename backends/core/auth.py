"""Institutions and their credentials.

Every institution (hospital, bank, bureau, HSM client, platform operator) authenticates with its
own credential: HTTP Basic, user name = institution code, password = its secret. Secrets are
stored only as salted SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from backends.core.db import Base, Database
from backends.core.errors import Conflict

INSTITUTION_KINDS = ("hospital", "pharmacy", "bank", "bureau", "hsm", "platform")


class Institution(Base):
    __tablename__ = "core_institutions"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    admdvs: Mapped[str | None] = mapped_column(String(6), default=None)
    """Region code (6 digits) of the institution, e.g. a hospital's place of treatment."""
    secret_salt: Mapped[str] = mapped_column(String(32))
    secret_digest: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    code: str
    kind: str
    name: str
    admdvs: str | None


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


class InstitutionService:
    """Registers institutions and checks their credentials."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def register(
        self, code: str, kind: str, name: str, secret: str, admdvs: str | None = None
    ) -> Principal:
        if kind not in INSTITUTION_KINDS:
            raise ValueError(f"unknown institution kind {kind!r}; one of {INSTITUTION_KINDS}")
        if self.session.get(Institution, code) is not None:
            raise Conflict(f"institution {code} already exists")
        salt = secrets.token_hex(8)
        row = Institution(
            code=code,
            kind=kind,
            name=name,
            admdvs=admdvs,
            secret_salt=salt,
            secret_digest=_digest(salt, secret),
            active=True,
        )
        self.session.add(row)
        self.session.flush()
        return _principal(row)

    def ensure(
        self, code: str, kind: str, name: str, secret: str, admdvs: str | None = None
    ) -> Principal:
        """Register the institution unless it exists already (for seeding)."""
        row = self.session.get(Institution, code)
        if row is not None:
            return _principal(row)
        return self.register(code, kind, name, secret, admdvs)

    def get(self, code: str) -> Principal | None:
        row = self.session.get(Institution, code)
        return None if row is None else _principal(row)

    def authenticate(self, code: str, secret: str) -> Principal | None:
        row = self.session.get(Institution, code)
        if row is None or not row.active:
            return None
        if not hmac.compare_digest(row.secret_digest, _digest(row.secret_salt, secret)):
            return None
        return _principal(row)


def _principal(row: Institution) -> Principal:
    return Principal(code=row.code, kind=row.kind, name=row.name, admdvs=row.admdvs)


# ---- FastAPI dependencies -------------------------------------------------------------------

_basic = HTTPBasic(auto_error=False, description="user = institution code, password = secret")


def get_database(request: Request) -> Database:
    return request.app.state.database


DatabaseDep = Annotated[Database, Depends(get_database)]


# Verified credentials are remembered this long (seconds): a deactivated institution or a
# changed secret takes effect within this time. Saves a database round trip per request.
CREDENTIAL_CACHE_SECONDS = 30.0


def current_principal(
    request: Request,
    database: DatabaseDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The institution named by the request's credential; 401 without a valid one."""
    principal = None
    if credentials is not None:
        cache = getattr(request.app.state, "principal_cache", None)
        if cache is None:
            cache = request.app.state.principal_cache = {}
        key = (credentials.username, hashlib.sha256(credentials.password.encode()).hexdigest())
        hit = cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        principal = database.run(
            lambda s: InstitutionService(s).authenticate(credentials.username, credentials.password)
        )
        if principal is not None:
            cache[key] = (time.monotonic() + CREDENTIAL_CACHE_SECONDS, principal)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid institution credential is required (HTTP Basic: code and secret)",
            headers={"WWW-Authenticate": "Basic"},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_kind(*kinds: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only institutions of the given kinds (403 for others)."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.kind not in kinds:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"institution kind {principal.kind!r} may not call this; needs one of {kinds}",
            )
        return principal

    return check
