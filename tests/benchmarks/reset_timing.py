"""Does a password reset request take longer for an address that has an account?

    .venv/bin/python tests/benchmarks/reset_timing.py [--rounds 400] [--database-url URL]

It builds a fresh app on a new SQLite file (or on the database given, which is emptied: never
point it at real data), creates one account, then posts the reset form in-process, in a
random order, for the known address and for unknown ones, and prints the median time of each
and their ratio. The first requests of each kind are only warm-up. A ratio near 1.00 means
the time of the answer does not tell whether the address has an account.

Not a test: timings depend on the machine and its load, so nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

KNOWN = "known.person@example.org"


def build_app(database_url: str | None, folder: Path):
    """An app on an empty database, with one account, and no CSRF nor rate limit to pass."""
    import sqlalchemy as sa

    from colloquium import create_app
    from colloquium.accounts.models import User
    from colloquium.accounts.passwords import hash_password
    from colloquium.extensions import db

    app = create_app(
        {
            "SECRET_KEY": "benchmark-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder / 'bench.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_URL": "http://colloquium.test",
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        db.create_all()
        db.session.add(
            User(
                email=KNOWN,
                name="Known Person",
                role="organiser",
                password_hash=hash_password("benchmark passphrase, not a real one"),
                language="fr",  # the default, as for an unknown address
            )
        )
        db.session.commit()
    return app


def measure(app, rounds: int, warm_up: int) -> dict[str, list[float]]:
    """Seconds per reset request, for the known address and for unknown ones."""
    client = app.test_client()
    kinds = ["known", "unknown"] * (rounds + warm_up)
    random.shuffle(kinds)
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    seen = {"known": 0, "unknown": 0}
    for number, kind in enumerate(kinds):
        email = KNOWN if kind == "known" else f"nobody-{number}@example.org"
        start = time.perf_counter()
        response = client.post("/password/reset", data={"email": email})
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"unexpected answer {response.status_code} for {kind}")
        seen[kind] += 1
        if seen[kind] > warm_up:
            timings[kind].append(elapsed)
    return timings


def count_mail(app) -> int:
    """How many e-mails are waiting in the outbox."""
    import sqlalchemy as sa

    from colloquium.extensions import db
    from colloquium.mail.models import OutgoingMail

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail))


def main() -> None:
    """Parse the options, measure, print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=400, help="timed requests of each kind")
    parser.add_argument("--warm-up", type=int, default=50, help="untimed requests of each kind")
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(options.database_url, Path(folder))
        timings = measure(app, options.rounds, options.warm_up)
        mails = count_mail(app)
    known = statistics.median(timings["known"]) * 1000
    unknown = statistics.median(timings["unknown"]) * 1000
    where = "PostgreSQL" if options.database_url else "SQLite"
    print(f"reset requests on {where}, {options.rounds} timed of each kind")
    print(f"known address    median {known:6.2f} ms")
    print(f"unknown address  median {unknown:6.2f} ms")
    print(f"ratio known/unknown     {known / unknown:6.2f}")
    print(f"e-mails queued: {mails} (one per request for the known address)")


if __name__ == "__main__":
    main()
