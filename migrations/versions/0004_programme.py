"""The programme: rooms, speakers, sessions and who speaks in which.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("access_notes", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("seats IS NULL OR seats >= 0", name=op.f("ck_room_seats_not_negative")),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["edition.id"],
            name=op.f("fk_room_edition_id_edition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
        sa.UniqueConstraint("edition_id", "name", name=op.f("uq_room_edition_id_name")),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_edition_id"), ["edition_id"], unique=False)

    op.create_table(
        "speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("affiliation", sa.String(length=200), server_default="", nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("bio", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_content_type", sa.String(length=50), nullable=True),
        sa.Column("photo_etag", sa.String(length=64), nullable=True),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["association.id"],
            name=op.f("fk_speaker_association_id_association"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["edition.id"],
            name=op.f("fk_speaker_edition_id_edition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker")),
    )
    with op.batch_alter_table("speaker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speaker_association_id"), ["association_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_speaker_edition_id"), ["edition_id"], unique=False)

    op.create_table(
        "programme_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=4), server_default="fr", nullable=False),
        sa.Column("interpretation", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("expected_audience", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_programme_session_ends_after_it_starts")
        ),
        sa.CheckConstraint(
            "expected_audience IS NULL OR expected_audience >= 0",
            name=op.f("ck_programme_session_expected_audience_not_negative"),
        ),
        sa.CheckConstraint(
            "kind IN ('opening', 'keynote', 'panel', 'round_table', 'workshop', 'testimony', "
            "'break', 'closing')",
            name=op.f("ck_programme_session_kind_known"),
        ),
        sa.CheckConstraint(
            "language IN ('fr', 'en', 'both')", name=op.f("ck_programme_session_language_known")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["edition.id"],
            name=op.f("fk_programme_session_edition_id_edition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["room.id"],
            name=op.f("fk_programme_session_room_id_room"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_session")),
    )
    with op.batch_alter_table("programme_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_session_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_programme_session_room_id"), ["room_id"], unique=False)

    op.create_table(
        "session_speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="speaker", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "role IN ('speaker', 'moderator', 'chair')",
            name=op.f("ck_session_speaker_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["programme_session.id"],
            name=op.f("fk_session_speaker_session_id_programme_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speaker.id"],
            name=op.f("fk_session_speaker_speaker_id_speaker"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_speaker")),
        sa.UniqueConstraint(
            "session_id", "speaker_id", name=op.f("uq_session_speaker_session_id")
        ),
    )
    with op.batch_alter_table("session_speaker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_speaker_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_speaker_speaker_id"), ["speaker_id"], unique=False
        )


def downgrade():
    op.drop_table("session_speaker")
    op.drop_table("programme_session")
    op.drop_table("speaker")
    op.drop_table("room")
