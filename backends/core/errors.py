"""Domain errors shared by every service; routers map them to 4xx answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status a router answers with."""

    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ErrorBody(BaseModel):
    """The body of every 4xx answer outside the medical envelope."""

    detail: str


# For `APIRouter(responses=...)`: the statuses DomainError and its subclasses produce, plus auth.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "the request is refused by the domain rules"},
    401: {"model": ErrorBody, "description": "missing or wrong institution credential"},
    403: {"model": ErrorBody, "description": "this institution may not do this"},
    404: {"model": ErrorBody, "description": "no such object (for this institution)"},
    409: {"model": ErrorBody, "description": "conflicts with the current state"},
}
