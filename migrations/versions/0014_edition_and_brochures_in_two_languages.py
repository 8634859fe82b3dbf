"""The edition's title and theme, the brochures' title and description, in French and English.

Today's texts become the French ones; the English ones start empty.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# table: (column, its type, whether it had a server default)
TEXTS = {
    "edition": [("title", sa.String(length=200), True), ("theme", sa.Text(), True)],
    "brochure": [("title", sa.String(length=200), False), ("description", sa.Text(), True)],
}


def upgrade():
    for table, columns in TEXTS.items():
        with op.batch_alter_table(table) as batch:
            for name, type_, _had_default in columns:
                batch.alter_column(
                    name,
                    new_column_name=f"{name}_fr",
                    existing_type=type_,
                    existing_nullable=False,
                    server_default="",
                )
                batch.add_column(sa.Column(f"{name}_en", type_, server_default="", nullable=False))


def downgrade():
    for table, columns in TEXTS.items():
        for name, _type, _had_default in columns:
            # A text written only in English is kept rather than lost.
            op.execute(
                sa.text(f"UPDATE {table} SET {name}_fr = {name}_en WHERE {name}_fr = ''")
            )
        with op.batch_alter_table(table) as batch:
            for name, type_, had_default in columns:
                batch.drop_column(f"{name}_en")
                batch.alter_column(
                    f"{name}_fr",
                    new_column_name=name,
                    existing_type=type_,
                    existing_nullable=False,
                    server_default="" if had_default else None,
                )
