"""Accounts and member associations: users, associations, areas, logos, revisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "logo",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_logo")),
    )
    op.create_table(
        "association",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("acronym", sa.String(length=30), server_default="", nullable=False),
        sa.Column("summary", sa.String(length=280), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("website", sa.String(length=500), server_default="", nullable=False),
        sa.Column("public_email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("city", sa.String(length=100), server_default="", nullable=False),
        sa.Column("country", sa.String(length=100), server_default="France", nullable=False),
        sa.Column("member_since", sa.Integer(), nullable=True),
        sa.Column("is_member", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("logo_digest", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "member_since IS NULL OR member_since BETWEEN 1900 AND 2200",
            name=op.f("ck_association_member_since_year"),
        ),
        sa.ForeignKeyConstraint(
            ["logo_digest"], ["logo.digest"],
            name=op.f("fk_association_logo_digest_logo"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association")),
        sa.UniqueConstraint("slug", name=op.f("uq_association_slug")),
    )
    with op.batch_alter_table("association", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_association_is_member"), ["is_member"], unique=False)

    op.create_table(
        "association_area",
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"], ["association.id"],
            name=op.f("fk_association_area_association_id_association"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("association_id", "area", name=op.f("pk_association_area")),
    )
    with op.batch_alter_table("association_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_association_area_area"), ["area"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="fr", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role = 'organiser' OR association_id IS NOT NULL",
            name=op.f("ck_user_account_editor_has_association"),
        ),
        sa.CheckConstraint(
            "role IN ('organiser', 'editor')", name=op.f("ck_user_account_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["association_id"], ["association.id"],
            name=op.f("fk_user_account_association_id_association"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_account_association_id"), ["association_id"], unique=False
        )

    op.create_table(
        "association_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=254), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reverts_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["association_id"], ["association.id"],
            name=op.f("fk_association_revision_association_id_association"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"],
            name=op.f("fk_association_revision_author_id_user_account"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reverts_id"], ["association_revision.id"],
            name=op.f("fk_association_revision_reverts_id_association_revision"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_revision")),
    )
    with op.batch_alter_table("association_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_association_revision_association_id"), ["association_id"],
            unique=False,
        )


def downgrade():
    op.drop_table("association_revision")
    op.drop_table("user_account")
    op.drop_table("association_area")
    op.drop_table("association")
    op.drop_table("logo")
