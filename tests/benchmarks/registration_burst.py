"""A burst of attendees registering and confirming at once, against gunicorn on PostgreSQL.

    .venv/bin/python tests/benchmarks/registration_burst.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--clients 200] [--per-client 1] [--capacity 50] [--workers 2] [--threads 2] \
        [--hand-written]

The defaults are the scenario the registration path is tuned for: 200 people register and
confirm at once for 50 seats.

The database given is emptied and rebuilt (``flask db upgrade``): never point it at real data.
After a few untimed requests that warm every worker up, each client is a thread that, for
each of its registrations, loads the form, submits it, reads its manage link from the e-mail
waiting in the outbox (the token exists nowhere else: registration mail is written when sent,
so the link is in the row's parameters until then), loads the manage page and presses
Confirm. Mail is not delivered (no SMTP server is set): it stays in the outbox, as it would
while the mail worker catches up.

Then the same clients send as many requests to a bare Flask endpoint doing one INSERT,
served by gunicorn on the same database (``baseline_app.py``): the cost of the stack itself.
It prints throughput, p50/p95 latency, errors, the ratio of the two throughputs, complete
registrations per second, the CPU time each run cost per request (gunicorn's workers, the
database's server processes, the clients; read from ``/proc``, so on Linux with PostgreSQL
on the same machine: a steadier measure than throughput on a busy machine), and checks the
seats: as many confirmed as seats (or people), the others waitlisted, and the waiting-list
mails announcing positions 1 to N, each the person's rank in the list. It exits with status
1 if a request failed or the check fails (never on a ratio: figures depend on the machine,
they are for people to read).

With ``--hand-written``, the same clients then run the same journey, on the same emptied
tables, against ``handwritten_app.py``: the four requests written by hand in bare Flask and
SQL, the floor of what that work costs on this stack. Its figures and checks are printed
beside Colloquium's.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK = re.compile(r"/registration/([\w-]{40,})")
# A position as a parameter ("12"), or in a written mail ("number 12", "n° 12").
POSITION = re.compile(r"^(\d+)$|(?:number|n°)\s(\d+)")


@dataclass
class Timings:
    """Latencies (seconds) of one kind of request, and what went wrong."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            if error:
                self.errors.append(error)
            else:
                self.latencies.append(seconds)

    def line(self, wall: float) -> str:
        done = len(self.latencies)
        if not done:
            return f"{self.name:<28} no request succeeded; {len(self.errors)} errors"
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
        return (
            f"{self.name:<28} {done:>6} ok  {len(self.errors):>4} errors  "
            f"{done / wall:>8.1f} req/s  p50 {statistics.median(ordered) * 1000:>7.1f} ms  "
            f"p95 {p95 * 1000:>7.1f} ms"
        )


class Browser:
    """One visitor: a cookie jar and plain HTTP/1.1 requests."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()


def timed(timings: Timings, expected: int, call):
    started = time.perf_counter()
    try:
        status, text = call()
    except Exception as error:
        timings.record(0, f"{type(error).__name__}: {error}")
        return None
    elapsed = time.perf_counter() - started
    if status != expected:
        timings.record(elapsed, f"HTTP {status}")
        return None
    timings.record(elapsed)
    return text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict, workers: int, threads: int, extra=()):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *extra,
        target,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"gunicorn did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def prepare_database(url: str, capacity: int, secret: str) -> None:
    """Empty the database, build the schema with the migrations, create an open edition."""
    os.environ["COLLOQUIUM_SQLALCHEMY_DATABASE_URI"] = url
    from flask_migrate import upgrade

    from colloquium import create_app
    from colloquium.clock import local_today
    from colloquium.editions import services as editions
    from colloquium.extensions import db

    app = create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        upgrade()
        year = local_today().year + 1
        editions.create_edition(year, editions.EditionChanges(capacity=capacity))
        db.session.commit()
        db.session.execute(
            sa.text(
                "CREATE TABLE bench_baseline (id serial PRIMARY KEY, "
                "created_at timestamptz NOT NULL, payload text NOT NULL)"
            )
        )
        db.session.commit()
        db.engine.dispose()


def manage_token(engine: sa.Engine, email: str) -> str | None:
    """The manage token, read from the e-mail waiting in the outbox (written or not yet)."""
    with engine.connect() as connection:
        # Every column: the same script also measures versions that rendered mail at once.
        row = connection.execute(
            sa.text(
                "SELECT * FROM outgoing_mail WHERE recipient = :email "
                "AND template = 'registration/manage_link' ORDER BY id DESC LIMIT 1"
            ),
            {"email": email},
        ).first()
    if row is None:
        return None
    match = LINK.search(_announced(row._mapping, "manage_url"))
    return match.group(1) if match else None


def _announced(mail, name: str) -> str:
    """What a mail says about ``name``: its parameter if not written yet, else its text."""
    parameters = mail.get("parameters") or {}
    return str(parameters[name]) if name in parameters else mail["text_body"] or ""


# The clients read their links through a few connections, opened before the timed run: a
# connection per client (200 of them) would cost PostgreSQL a process each, on the same
# machine, in the middle of the run (and go beyond its default max_connections of 100).
READER_CONNECTIONS = 8


def reader_engine(url: str) -> sa.Engine:
    """The engine the clients read the outbox with, its connections already open."""
    engine = sa.create_engine(url, pool_size=READER_CONNECTIONS, max_overflow=0)
    connections = [engine.connect() for _ in range(READER_CONNECTIONS)]
    for connection in connections:
        connection.close()
    return engine


def registration_client(port, index, timings, start, *, engine, run_id, per_client):
    browser = Browser(port)
    start.wait()
    for n in range(per_client):
        email = f"bench-{run_id}-{index}-{n}@example.org"
        page = timed(timings["GET /register"], 200, lambda: browser.request("GET", "/register"))
        if page is None:
            continue
        form = {
            "csrf_token": CSRF.search(page).group(1),
            "first_name": "Bench",
            "last_name": f"Client {index}",
            "email": email,
            "attendee_type": "individual",
            "language": "fr",
            "consent_privacy": "y",
        }
        sent = timed(
            timings["POST /register"], 302, lambda f=form: browser.request("POST", "/register", f)
        )
        if sent is None:
            continue
        token = manage_token(engine, email)
        if token is None:
            timings["POST /register"].record(0, "no manage link in the outbox")
            continue
        manage = f"/registration/{token}"
        page = timed(timings["GET manage page"], 200, lambda m=manage: browser.request("GET", m))
        if page is None:
            continue
        confirm = {"csrf_token": CSRF.search(page).group(1)}
        timed(
            timings["POST confirm"],
            302,
            lambda m=manage, f=confirm: browser.request("POST", f"{m}/confirm", f),
        )


def baseline_client(port, _index, timings, start, *, requests):
    browser = Browser(port)
    start.wait()
    for _ in range(requests):
        timed(timings[BASELINE], 204, lambda: browser.request("POST", "/insert"))


def warm_up(port: int, path: str, count: int) -> None:
    """Untimed requests first, so every worker has loaded its templates and connections."""
    threads = [
        threading.Thread(target=lambda: Browser(port).request("GET", path)) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pids) -> float:
    """User and system CPU time used so far by the processes ``pids`` (0 for one gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (gunicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _database_backends(engine: sa.Engine) -> list[int]:
    """The server processes of the benchmark's database (the app's and the clients')."""
    with engine.connect() as connection:
        return connection.scalars(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).all()


@dataclass
class CpuUse:
    """CPU seconds a run cost: gunicorn's workers, the database's processes, the clients."""

    app: float = 0.0
    database: float = 0.0
    clients: float = 0.0

    @property
    def total(self) -> float:
        return self.app + self.database + self.clients

    def per_request(self, requests: int) -> str:
        return "  ".join(
            f"{label} {seconds / requests * 1000:5.2f}"
            for label, seconds in (
                ("app", self.app),
                ("database", self.database),
                ("clients", self.clients),
                ("total", self.total),
            )
        )


def measured(server: subprocess.Popen, engine: sa.Engine, run) -> tuple[float, CpuUse | None]:
    """Run ``run`` (it returns its wall time) and what it cost in CPU, if ``/proc`` tells."""
    if not Path(f"/proc/{server.pid}/task").is_dir():
        return run(), None
    workers = _children(server.pid)
    backends = _database_backends(engine)  # the app's pool is open: the warm-up filled it
    before = (_cpu_seconds(workers), _cpu_seconds(backends), time.process_time())
    wall = run()
    backends = sorted({*backends, *_database_backends(engine)})
    after = (_cpu_seconds(workers), _cpu_seconds(backends), time.process_time())
    return wall, CpuUse(*(end - start for start, end in zip(before, after, strict=True)))


def run_threads(targets) -> float:
    threads = [threading.Thread(target=target, args=args) for target, args in targets]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


NAMES = ("GET /register", "POST /register", "GET manage page", "POST confirm")
BASELINE = "POST /insert (baseline)"
# gunicorn finds the benchmark's own apps (baseline_app, handwritten_app) here.
BENCHMARKS_PATH = ("--pythonpath", str(Path(__file__).parent))


@dataclass
class Run:
    """One timed burst: its wall time, the timings of each kind of request, its CPU."""

    label: str
    wall: float
    timings: dict[str, Timings]
    cpu: CpuUse | None

    @property
    def requests(self) -> int:
        return sum(len(t.latencies) + len(t.errors) for t in self.timings.values())

    @property
    def rate(self) -> float:
        return self.requests / self.wall

    @property
    def errors(self) -> int:
        return sum(len(t.errors) for t in self.timings.values())


def timed_run(label, target, env, warm_path, names, client, engine, options) -> Run:
    """Serve ``target`` with gunicorn, then time ``client`` in each of the clients' threads.

    ``client(port, index, timings, start)`` sends one client's requests, recording them in
    ``timings`` (one per name in ``names``) once the ``start`` barrier lets every client go.
    """
    port = free_port()
    env = {**env, "COLLOQUIUM_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = start_gunicorn(
        target, port, env, options.workers, options.threads, extra=BENCHMARKS_PATH
    )
    timings = {name: Timings(name) for name in names}
    start = threading.Barrier(options.clients)
    try:
        warm_up(port, warm_path, options.workers * options.threads * 4)
        wall, cpu = measured(
            server,
            engine,
            lambda: run_threads(
                (client, (port, index, timings, start)) for index in range(options.clients)
            ),
        )
    finally:
        stop(server)
    return Run(label, wall, timings, cpu)


def registration_run(label, target, env, engine, options) -> Run:
    """The timed burst of registrations against ``target``."""
    client = functools.partial(
        registration_client,
        engine=engine,
        run_id=secrets.token_hex(3),
        per_client=options.per_client,
    )
    return timed_run(label, target, env, "/register", NAMES, client, engine, options)


def baseline_run(engine, options) -> Run:
    """As many requests as a registration run, spread over the same clients, one INSERT each."""
    client = functools.partial(baseline_client, requests=options.per_client * len(NAMES))
    env = {"BASELINE_DATABASE_URL": options.database_url}
    return timed_run(
        "One-INSERT baseline", "baseline_app:app", env, "/", (BASELINE,), client, engine, options
    )


def forget_registrations(engine: sa.Engine) -> None:
    """Empty the registrations and the outbox, free every seat: the next burst starts anew."""
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM outgoing_mail"))
        connection.execute(sa.text("DELETE FROM registration"))
        connection.execute(sa.text("UPDATE edition SET seats_taken = 0"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("COLLOQUIUM_BENCH_DATABASE_URL"),
        help="PostgreSQL URL (emptied!); or COLLOQUIUM_BENCH_DATABASE_URL",
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--per-client", type=int, default=1)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--hand-written",
        action="store_true",
        help="also run the same journey against handwritten_app.py (bare Flask and SQL)",
    )
    options = parser.parse_args()
    if not options.database_url or not options.database_url.startswith("postgresql"):
        parser.error("give a PostgreSQL --database-url (it will be emptied)")

    secret = secrets.token_hex(32)
    prepare_database(options.database_url, options.capacity, secret)
    engine = reader_engine(options.database_url)
    people = options.clients * options.per_client
    app_env = {
        "COLLOQUIUM_SQLALCHEMY_DATABASE_URI": options.database_url,
        "COLLOQUIUM_SECRET_KEY": secret,
        # One address hammers the form here; the per-IP limit would (rightly) stop it.
        "COLLOQUIUM_RATELIMIT_ENABLED": "false",
    }
    runs = [registration_run("Colloquium", "colloquium:create_app()", app_env, engine, options)]
    holds = {"Colloquium": check_seats(engine, people, options.capacity)}
    if options.hand_written:
        forget_registrations(engine)
        env = {"BASELINE_DATABASE_URL": options.database_url, "BASELINE_SECRET_KEY": secret}
        runs.append(registration_run("Hand-written", "handwritten_app:app", env, engine, options))
        holds["Hand-written"] = check_seats(engine, people, options.capacity)
    baseline = baseline_run(engine, options)
    engine.dispose()

    print(
        f"\nRegistration burst: {options.clients} clients x {options.per_client} registrations, "
        f"capacity {options.capacity}, gunicorn {options.workers} workers x {options.threads} "
        f"threads, PostgreSQL"
    )
    for run in [*runs, baseline]:
        print(f"{run.label}:")
        for timing in run.timings.values():
            print("  " + timing.line(run.wall))
            for error in sorted(set(timing.errors))[:5]:
                print(f"  ! {timing.name}: {error} (x{timing.errors.count(error)})")
    print()
    for run in [*runs, baseline]:
        print(
            f"{run.label + ':':<22}{run.rate:8.1f} req/s ({run.requests} requests in "
            f"{run.wall:.2f} s), ratio {run.rate / baseline.rate:.2f}"
        )
    for run in [*runs, baseline]:
        if run.cpu and baseline.cpu:
            # The outbox reads of the registration clients count as theirs: they are the
            # benchmark's, not the app's, and cost about as much as a request's own client side.
            print(f"CPU ms per request, {run.label:<20} {run.cpu.per_request(run.requests)}")
    for run in runs:
        if run.cpu and baseline.cpu:
            ratio = (baseline.cpu.total / baseline.requests) / (run.cpu.total / run.requests)
            print(f"Ratio of CPU per request, {run.label:<14} {ratio:6.2f}")
    for run in runs:
        finished = len(run.timings["POST confirm"].latencies)
        print(
            f"Complete registrations (submitted and confirmed), {run.label}: "
            f"{finished / run.wall:.1f} per second"
        )
    errors = sum(run.errors for run in [*runs, baseline])
    print(f"Errors:             {errors}")
    for label, (_held, report) in holds.items():
        print(f"\n{label}: {report}")
    if errors or not all(held for held, _report in holds.values()):
        raise SystemExit(1)


def check_seats(engine: sa.Engine, people: int, capacity: int) -> tuple[bool, str]:
    """Whether the seats add up exactly, and the final counts and checks as lines to print."""
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.text("SELECT status, count(*) FROM registration GROUP BY status")
            ).all()
        )
        seats, taken = connection.execute(
            sa.text("SELECT capacity, seats_taken FROM edition")
        ).one()
        outbox = connection.execute(sa.text("SELECT count(*) FROM outgoing_mail")).scalar()
        # Each waitlisted registration's rank in the list, and the position its mail announced.
        ranks = connection.execute(
            sa.text(
                "SELECT r.id, row_number() OVER (ORDER BY r.waitlisted_at, r.id) "
                "FROM registration r WHERE r.status = 'waitlisted'"
            )
        ).all()
        announced = {
            mail["data_subject"]: _announced(mail, "position")
            for mail in connection.execute(
                sa.text("SELECT * FROM outgoing_mail WHERE template = 'registration/waitlisted'")
            ).mappings()
        }
    positions = {}
    for registration_id, _rank in ranks:
        number = POSITION.search(announced.get(f"registration:{registration_id}", ""))
        positions[registration_id] = int(number.group(1) or number.group(2)) if number else None
    confirmed, waitlisted = statuses.get("confirmed", 0), statuses.get("waitlisted", 0)
    expected_confirmed = min(capacity, people)
    lines = [
        f"final counts {dict(sorted(statuses.items()))}; seats taken {taken} of {seats}; "
        f"{outbox} e-mails in the outbox"
    ]
    checks = {
        f"{expected_confirmed} confirmed, {taken} seats taken": confirmed
        == taken
        == expected_confirmed,
        f"{people - expected_confirmed} waitlisted": waitlisted == people - expected_confirmed,
        f"waiting-list mails announce positions 1..{waitlisted}, each the person's rank": all(
            positions[registration_id] == rank for registration_id, rank in ranks
        )
        and sorted(positions.values()) == list(range(1, waitlisted + 1)),
    }
    lines += [f"  {'ok    ' if ok else 'BROKEN'} {label}" for label, ok in checks.items()]
    holds = all(checks.values())
    lines.append(f"Seat invariant: {'holds' if holds else 'BROKEN'}")
    return holds, "\n".join(lines)


if __name__ == "__main__":
    main()
