"""Query count and time of every public page as the day grows, in-process.

    .venv/bin/python tests/benchmarks/growth.py [--database-url URL] [--repeat 20] [--clock cpu]

At 10, 100 and 1,000 sessions (with the 26 demo member associations, then 500), it builds a
fresh database (a temporary SQLite file, or the PostgreSQL database given, which is EMPTIED
and rebuilt for each size: never point it at real data), then requests each public page in
French and in English through Flask's test client and prints, per size, the SQL queries of one
request, the median time of ``--repeat`` requests and the bytes of the page, then the time
per KB rendered at each size (level when a page's time grows only with its bytes).
``tests/test_query_growth.py`` asserts the counts; the times are only printed here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# The pages tests/test_query_growth.py counts: one list, so a new public page is added once.
from tests.test_query_growth import PAGES  # noqa: E402

SIZES = ((10, 26), (100, 26), (1000, 500))


def make_app(url: str, instance: str):
    """The application on an empty database ``url`` with the schema built."""
    from colloquium import create_app
    from colloquium.extensions import db

    app = create_app(
        {
            "SECRET_KEY": "growth-benchmark",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            # No page kept: every request renders, which is what this benchmark times.
            "PAGE_CACHE_MAX_BYTES": 0,
        },
        instance_path=instance,
    )
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        db.create_all()
    return app


def measure(
    app, sessions: int, members: int, repeat: int, clock=time.perf_counter
) -> dict[str, tuple[int, float, int]]:
    """Per page and language: (queries of one request, median milliseconds, bytes)."""
    from colloquium.associations.models import Association
    from colloquium.extensions import db
    from colloquium.programme import services as programme
    from tests.benchmarks.dataset import build_sized

    results = {}
    with app.app_context():
        edition = build_sized(sessions, members, db.session)
        db.session.commit()
        first = programme.list_sessions(edition)[0]
        speaker = first.speaker_links[0].speaker_id
        slug = db.session.scalars(sa.select(Association.slug).order_by(Association.id)).first()
        statements = []

        def record(*_args):
            statements.append(1)

        client = app.test_client()
        for page in PAGES:
            url = page.format(session=first.id, speaker=speaker, association=slug)
            for lang in ("fr", "en"):
                path = f"{url}?lang={lang}"
                assert client.get(path).status_code == 200, path
                statements.clear()
                sa.event.listen(db.engine, "before_cursor_execute", record)
                size = len(client.get(path).data)
                sa.event.remove(db.engine, "before_cursor_execute", record)
                queries = len(statements)
                times = []
                for _ in range(repeat):
                    started = clock()
                    client.get(path)
                    times.append(clock() - started)
                results[f"{page} {lang}"] = (queries, statistics.median(times) * 1000, size)
        db.session.remove()
        db.engine.dispose()
    return results


def database_version(session) -> str:
    """Python, Flask and the database's versions, in one line."""
    from importlib.metadata import version

    if session.get_bind().dialect.name == "sqlite":
        database = "SQLite " + session.execute(sa.text("SELECT sqlite_version()")).scalar()
    else:
        database = "PostgreSQL " + session.execute(sa.text("SHOW server_version")).scalar()
    return f"Python {sys.version.split()[0]}, Flask {version('flask')}, {database}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (EMPTIED); SQLite otherwise")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time, or this process's CPU time (steadier on a busy machine; on SQLite "
        "it includes the database's work, on PostgreSQL not the server's)",
    )
    options = parser.parse_args()
    clock = time.process_time if options.clock == "cpu" else time.perf_counter
    columns = []
    with tempfile.TemporaryDirectory() as folder:
        for sessions, members in SIZES:
            url = options.database_url or f"sqlite:///{folder}/growth-{sessions}.sqlite"
            app = make_app(url, folder)
            columns.append(measure(app, sessions, members, options.repeat, clock))
            with app.app_context():
                from colloquium.extensions import db

                version = database_version(db.session)
                db.engine.dispose()
    out = sys.stdout
    out.write(f"{version}, median {options.clock} time of {options.repeat} requests\n\n")
    sizes = [f"{s} sess./{m} assoc." for s, m in SIZES]
    out.write("Queries of one request, median time and bytes rendered:\n\n")
    out.write(f"| page{''.join(f' | {size}: queries, ms, KB' for size in sizes)} |\n")
    out.write(f"|---{'|---:' * len(SIZES)}|\n")
    for key in columns[0]:
        cells = "".join(
            f" | {column[key][0]}, {column[key][1]:.1f}, {column[key][2] / 1024:.1f}"
            for column in columns
        )
        out.write(f"| `{key}`{cells} |\n")
    # If a page's time grows only with the bytes it renders, its time per KB stays level
    # from one size to the next; one that rises reveals work growing faster than the page.
    out.write("\nMilliseconds per KB rendered:\n\n")
    out.write(f"| page{''.join(f' | {size}' for size in sizes)} |\n")
    out.write(f"|---{'|---:' * len(SIZES)}|\n")
    for key in columns[0]:
        cells = "".join(f" | {column[key][1] / (column[key][2] / 1024):.3f}" for column in columns)
        out.write(f"| `{key}`{cells} |\n")


if __name__ == "__main__":
    main()
