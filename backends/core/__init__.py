"""Shared back-end foundation: database, settings, institution credentials and the app factory."""

from backends.core.app import create_app
from backends.core.auth import Institution, InstitutionService
from backends.core.db import Base, Database, make_engine
from backends.core.settings import Settings

__all__ = [
    "Base",
    "Database",
    "Institution",
    "InstitutionService",
    "Settings",
    "create_app",
    "make_engine",
]
