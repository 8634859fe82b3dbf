"""Associations' summary and description in French and in English.

Today's texts become the French ones; the English ones start empty.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Each text, with its column type.
TEXTS = {"summary": sa.String(length=280), "description": sa.Text()}


def upgrade():
    with op.batch_alter_table("association") as batch:
        for field, kind in TEXTS.items():
            batch.alter_column(
                field,
                new_column_name=f"{field}_fr",
                existing_type=kind,
                existing_nullable=False,
                existing_server_default="",
            )
            batch.add_column(sa.Column(f"{field}_en", kind, server_default="", nullable=False))


def downgrade():
    for field in TEXTS:
        op.execute(
            f"UPDATE association SET {field}_fr = {field}_en "
            f"WHERE {field}_fr = '' AND {field}_en <> ''"
        )
    with op.batch_alter_table("association") as batch:
        for field, kind in TEXTS.items():
            batch.drop_column(f"{field}_en")
            batch.alter_column(
                f"{field}_fr",
                new_column_name=field,
                existing_type=kind,
                existing_nullable=False,
                existing_server_default="",
            )
