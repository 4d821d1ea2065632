"""Alembic's environment for the study database: run on the connection trialkit passes."""

from __future__ import annotations

from alembic import context

from trialkit.edc.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
