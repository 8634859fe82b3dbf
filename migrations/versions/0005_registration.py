"""Attendee registrations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status <> 'cancelled'")


def upgrade():
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), server_default="", nullable=False),
        sa.Column("attendee_type", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("accessibility_needs", sa.Text(), server_default="", nullable=False),
        sa.Column("dietary_requirements", sa.Text(), server_default="", nullable=False),
        sa.Column("consent_privacy", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("privacy_policy_version", sa.String(length=32), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=False),
        sa.Column("consent_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("override", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("waitlisted_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('unconfirmed', 'confirmed', 'waitlisted', 'cancelled')",
            name=op.f("ck_registration_status_known"),
        ),
        sa.CheckConstraint(
            "attendee_type IN ('member_association', 'ngo', 'public_authority', 'research', "
            "'press', 'individual', 'other')",
            name=op.f("ck_registration_attendee_type_known"),
        ),
        sa.CheckConstraint(
            "language IN ('fr', 'en')", name=op.f("ck_registration_language_known")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name=op.f("fk_registration_edition_id_edition")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint("reference", name=op.f("uq_registration_reference")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_registration_token_hash")),
    )
    with op.batch_alter_table("registration") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(
            "ix_registration_waitlist",
            ["edition_id", "status", "waitlisted_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_registration_active_email",
            ["edition_id", "email"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )


def downgrade():
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_index("uq_registration_active_email")
        batch_op.drop_index("ix_registration_waitlist")
        batch_op.drop_index(batch_op.f("ix_registration_edition_id"))
    op.drop_table("registration")
