"""Outbox of outgoing mail, with its attachments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outgoing_mail_attempts_not_negative")),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'retry', 'failed')",
            name=op.f("ck_outgoing_mail_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            "ix_outgoing_mail_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "outgoing_mail_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_outgoing_mail_attachment_mail_id_outgoing_mail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail_attachment")),
    )
    with op.batch_alter_table("outgoing_mail_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_attachment_mail_id"), ["mail_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outgoing_mail_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_attachment_mail_id"))
    op.drop_table("outgoing_mail_attachment")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_mail_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_created_at"))
    op.drop_table("outgoing_mail")
