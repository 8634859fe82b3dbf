"""The version of what the public pages show (one row), for the page cache.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    # Stored as naive UTC, like every UTCDateTime column.
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(table, [{"id": 1, "version": 1, "changed_at": now}])


def downgrade():
    op.drop_table("content_version")
