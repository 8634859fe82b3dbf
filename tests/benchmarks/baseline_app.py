"""The baseline of ``registration_burst.py``: a bare Flask endpoint doing one INSERT.

Served by gunicorn on the same PostgreSQL, it measures what the stack itself costs
(HTTP, a worker, one pooled connection, one committed row), with none of Colloquium.
"""

import os

import sqlalchemy as sa
from flask import Flask

engine = sa.create_engine(os.environ["BASELINE_DATABASE_URL"], pool_pre_ping=True)
app = Flask(__name__)


@app.get("/")
def ready():
    """For warming up the workers."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return "ok"


@app.post("/insert")
def insert():
    """Insert one row and commit."""
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO bench_baseline (created_at, payload) VALUES (now(), :payload)"),
            {"payload": "x" * 64},
        )
    return "", 204
