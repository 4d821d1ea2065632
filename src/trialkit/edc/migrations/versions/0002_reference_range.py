"""The reporting laboratory's normal range (LLN, ULN) beside a laboratory value.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item_value") as batch:
        batch.add_column(sa.Column("reference_low", sa.Float(), nullable=True))
        batch.add_column(sa.Column("reference_high", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("item_value") as batch:
        batch.drop_column("reference_high")
        batch.drop_column("reference_low")
