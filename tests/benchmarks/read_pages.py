"""Public read pages under gunicorn, against a bare Flask app rendering as many bytes.

    .venv/bin/python tests/benchmarks/read_pages.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench] \
        [--clients 8] [--seconds 5] [--workers 2]

Without ``--database-url`` it runs on a temporary SQLite file. The PostgreSQL database given
is EMPTIED and rebuilt (``flask db upgrade``): never point it at real data. It builds a
realistic day with the ``flask demo`` pieces and the programme services (the 26 member
associations, a published programme of 40 sessions, 60 speakers, the demo's 5 rooms), starts
Colloquium under gunicorn (``--config python:colloquium.gunicorn_conf``, sync workers), and
for each page in French and in English lets ``--clients`` threads request it for
``--seconds``. Then it starts ``bare_app.py`` under the same gunicorn settings, whose
``/bare/<bytes>`` renders a template from memory to the byte size of each page, measures it
the same way and prints one table: path, bytes, req/s, p50, p95, bare req/s, ratio.
Absolute figures depend on the machine and its load; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.registration_burst import (  # noqa: E402
    Browser,
    free_port,
    start_gunicorn,
    stop,
    warm_up,
)

PAGES = (
    "/programme",
    "/associations",
    "/programme/sessions/{session}",
    "/programme/speakers/{speaker}",
    "/associations/{association}",
    "/api/v1/programme",
    "/api/v1/associations",
)


def prepare_database(url: str, secret: str, instance: str) -> tuple[dict, str]:
    """Empty the database, migrate it, build the day; the URL arguments and versions."""
    os.environ["COLLOQUIUM_SQLALCHEMY_DATABASE_URI"] = url
    from flask_migrate import upgrade

    from colloquium import create_app
    from colloquium.extensions import db
    from colloquium.programme import services as programme
    from tests.benchmarks.dataset import build_day

    app = create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": url}, instance_path=instance)
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()
        edition = build_day(sessions=40, speakers=60, rooms=4)
        db.session.commit()
        sessions = programme.list_sessions(edition)
        busiest = max(sessions, key=lambda session: len(session.speaker_links))
        speaker = next(s for s in programme.list_speakers(edition) if s.association_id is not None)
        from colloquium.associations.models import Association

        slug = db.session.get(Association, speaker.association_id).slug
        if db.engine.dialect.name == "sqlite":
            database = "SQLite " + db.session.execute(sa.text("SELECT sqlite_version()")).scalar()
        else:
            database = "PostgreSQL " + db.session.execute(sa.text("SHOW server_version")).scalar()
        arguments = {"session": busiest.id, "speaker": speaker.id, "association": slug}
        db.session.remove()
        db.engine.dispose()
    return arguments, database


def hammer(port: int, path: str, clients: int, seconds: float) -> tuple[float, float, float, int]:
    """``clients`` threads GET ``path`` for ``seconds``: req/s, p50 ms, p95 ms, errors."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client():
        browser = Browser(port)
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                status, _text = browser.request("GET", path)
            except OSError as error:
                status = str(error)
            with lock:
                if status == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return len(latencies) / wall, statistics.median(ordered) * 1000, p95 * 1000, len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (EMPTIED); a temporary SQLite file otherwise"
    )
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--seconds", type=float, default=5, help="duration per path")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    options = parser.parse_args()

    secret = secrets.token_hex(32)
    folder = tempfile.TemporaryDirectory()
    url = options.database_url or f"sqlite:///{folder.name}/read-pages.sqlite"
    arguments, database = prepare_database(url, secret, folder.name)
    paths = [f"{page.format(**arguments)}?lang={lang}" for page in PAGES for lang in ("fr", "en")]
    config = ("--config", "python:colloquium.gunicorn_conf")

    port = free_port()
    app_env = {
        "COLLOQUIUM_SQLALCHEMY_DATABASE_URI": url,
        "COLLOQUIUM_SECRET_KEY": secret,
        "COLLOQUIUM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "COLLOQUIUM_RATELIMIT_ENABLED": "false",
    }
    server = start_gunicorn("colloquium:create_app()", port, app_env, options.workers, 1, config)
    rows = {}
    try:
        warm_up(port, "/programme", options.workers * 4)
        for path in paths:
            status, text = Browser(port).request("GET", path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            rows[path] = [len(text.encode()), *hammer(port, path, options.clients, options.seconds)]
    finally:
        stop(server)

    bare_port = free_port()
    bare = start_gunicorn(
        "bare_app:app",
        bare_port,
        {},
        options.workers,
        1,
        (*config, "--pythonpath", str(Path(__file__).parent)),
    )
    try:
        warm_up(bare_port, "/", options.workers * 4)
        for row in rows.values():
            row.append(hammer(bare_port, f"/bare/{row[0]}", options.clients, options.seconds)[0])
    finally:
        stop(bare)
    folder.cleanup()

    out = sys.stdout
    out.write(
        f"Python {sys.version.split()[0]}, Flask {version('flask')}, {database}, "
        f"gunicorn {version('gunicorn')} with {options.workers} sync workers, "
        f"{options.clients} clients, {options.seconds:g} s per path, {os.cpu_count()} CPUs\n\n"
        "| path | bytes | req/s | p50 ms | p95 ms | errors | bare req/s | ratio |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for path, (size, rate, p50, p95, errors, bare_rate) in rows.items():
        out.write(
            f"| `{path}` | {size} | {rate:.0f} | {p50:.1f} | {p95:.1f} | {errors} | "
            f"{bare_rate:.0f} | {rate / bare_rate:.2f} |\n"
        )


if __name__ == "__main__":
    main()
