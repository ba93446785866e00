"""Domain errors shared by every service; routers map them to 4xx answers."""

from __future__ import annotations


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
