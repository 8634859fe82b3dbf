"""Messages to a group of attendees, their copies in the outbox, and reminders sent once.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("subject_fr", sa.String(length=200), server_default="", nullable=False),
        sa.Column("subject_en", sa.String(length=200), server_default="", nullable=False),
        sa.Column("body_fr", sa.Text(), server_default="", nullable=False),
        sa.Column("body_en", sa.Text(), server_default="", nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name=op.f("fk_message_edition_id_edition")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_message_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    with op.batch_alter_table("message") as batch_op:
        batch_op.create_index(batch_op.f("ix_message_edition_id"), ["edition_id"], unique=False)
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outgoing_mail_batch"), ["batch"], unique=False)
    with op.batch_alter_table("registration") as batch_op:
        batch_op.add_column(sa.Column("reminder_sent_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_column("reminder_sent_at")
    with op.batch_alter_table("outgoing_mail") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_batch"))
        batch_op.drop_column("batch")
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_edition_id"))
    op.drop_table("message")
