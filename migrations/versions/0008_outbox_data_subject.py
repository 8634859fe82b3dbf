"""The outbox knows whose personal data each mail holds, and which to blank once delivered.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.add_column(sa.Column("data_subject", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "erase_after_delivery", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_data_subject"), ["data_subject"], unique=False
        )
    # Mail queued before this version: tie each registration e-mail to the latest
    # registration with its address, so that erasing that person finds it too (the outbox
    # keeps mail 30 days at most, so only those days' mail is concerned).
    op.execute(
        "UPDATE outgoing_mail SET data_subject = ("
        " SELECT 'registration:' || MAX(registration.id) FROM registration"
        " WHERE registration.email = outgoing_mail.recipient AND registration.email <> ''"
        ") WHERE template LIKE 'registration/%'"
    )


def downgrade():
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_data_subject"))
        batch_op.drop_column("erase_after_delivery")
        batch_op.drop_column("data_subject")
