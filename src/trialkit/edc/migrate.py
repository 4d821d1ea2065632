"""Alembic migrations of the study database, run from Python (no ``alembic.ini``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

__all__ = ["alembic_config", "upgrade"]

SCRIPTS = "trialkit.edc:migrations"
"""The migration scripts, a folder of the package."""


def alembic_config() -> Config:
    """Alembic's configuration: the package's migration scripts."""
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database of ``engine`` to ``revision`` (the newest by default)."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
