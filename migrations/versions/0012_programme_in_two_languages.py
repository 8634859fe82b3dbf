"""The programme in French and English: rooms' access notes, speakers' affiliation, title and
biography, sessions' title, summary and description. Today's texts become the French ones.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SHORT = sa.String(length=200)
TEXTS = {
    "room": [("access_notes", sa.Text())],
    "speaker": [("affiliation", SHORT), ("title", SHORT), ("bio", sa.Text())],
    "programme_session": [("title", SHORT), ("summary", sa.Text()), ("description", sa.Text())],
}


def upgrade():
    for table, fields in TEXTS.items():
        with op.batch_alter_table(table) as batch_op:
            for field, type_ in fields:
                batch_op.alter_column(
                    field,
                    new_column_name=f"{field}_fr",
                    existing_type=type_,
                    existing_nullable=False,
                    server_default="",
                )
                batch_op.add_column(
                    sa.Column(f"{field}_en", type_, server_default="", nullable=False)
                )


def downgrade():
    for table, fields in TEXTS.items():
        for field, _type in fields:
            op.execute(
                sa.text(f"UPDATE {table} SET {field}_fr = {field}_en WHERE {field}_fr = ''")
            )
        with op.batch_alter_table(table) as batch_op:
            for field, type_ in fields:
                batch_op.drop_column(f"{field}_en")
                batch_op.alter_column(
                    f"{field}_fr",
                    new_column_name=field,
                    existing_type=type_,
                    existing_nullable=False,
                    server_default=None if (table, field) == ("programme_session", "title") else "",
                )
