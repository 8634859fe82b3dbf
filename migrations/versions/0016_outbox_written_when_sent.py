"""Registration e-mails are written when sent: the outbox keeps what they are made from.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    # Mail already queued is written already (no parameters): delivered as before.
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.add_column(sa.Column("parameters", sa.JSON(), nullable=True))


def downgrade():
    # A mail still to be written cannot be delivered by the older code: it would go out
    # blank. It goes, as erasure would take it (the attendee can ask for a new link).
    op.execute(
        "DELETE FROM outgoing_mail WHERE parameters IS NOT NULL "
        "AND status IN ('queued', 'retry', 'sending')"
    )
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.drop_column("parameters")
