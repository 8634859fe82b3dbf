"""Manage links are recomputable: each registration has a link version.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows start at 0; their stored hash (of a random token) keeps opening their
    # page until their next e-mail carries the recomputable link and replaces it.
    with op.batch_alter_table("registration") as batch_op:
        batch_op.add_column(
            sa.Column("link_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_column("link_version")
