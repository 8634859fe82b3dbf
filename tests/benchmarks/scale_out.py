"""Two app servers on one PostgreSQL database: a burst of registrations, and shared rate limits.

    .venv/bin/python tests/benchmarks/scale_out.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/colloquium_scale_out] \
        [--redis-url redis://127.0.0.1:6379/13] [--clients 200] [--capacity 50] [--workers 2] \
        [--compare]

The database given is emptied (created when missing) and the Redis database given is flushed:
never point them at real data. Everything goes through what a deployment uses: the schema by
``flask db upgrade``, an edition by ``flask edition create``, two gunicorn instances
(``--config python:colloquium.gunicorn_conf``, sync workers) on two ports sharing the database
and the rate limits in Redis, and ``flask mail worker`` delivering over SMTP to a sink in this
process. Each client comes from its own address (``X-Forwarded-For`` with
``COLLOQUIUM_PROXY_COUNT=1``, as behind nginx), so every rate limit stays on.

Each client registers on one instance (half on each), waits for the e-mail with its link,
confirms on the other instance, reads its state there and waits for the e-mail that follows.
Then it checks that seats and the waiting list are exact (``capacity`` confirmed,
the others waitlisted at positions 1…N, the same in the page and the mail) and that the rate
limits count both instances together: a login locks after 5 failures spread over the two, and
the per-address form limit refuses the request after ``COLLOQUIUM_REGISTRATION_RATE_LIMIT``.
It exits with status 1 when any of that fails. Every process it started is stopped on exit.

``--compare`` first runs the same burst on a single instance with as many workers as the two
together (from an empty database again), and prints the ratio of the two throughputs measured
in the same run: what spreading the app over two servers costs or gains.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.processes import Processes, app_environment, free_port, terminate_on_sigterm  # noqa: E402
from tests.smtp import SMTPTestServer  # noqa: E402
from tests.visitor import Visitor  # noqa: E402

LINK = re.compile(r"https?://[^/\s]+(/registration/[\w-]{40,})")
POSITION = re.compile(r"You are number (\d+) on the waiting list")
LOGIN_FAILURES_ALLOWED = 5  # "5 per 15 minutes" per account (accounts/views.py)
REGISTRATION_LIMIT = 10  # per address, "10 per hour" by default (README)


@dataclass
class Outcome:
    """What one client saw."""

    instance_registered: int = 0
    status: str = ""  # "confirmed" or "waitlisted", as the manage page says
    page_position: int | None = None
    mail_position: int | None = None
    qr_attached: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a mail."""
    return message.get_body(("plain",)).get_content()


def empty_database(url: str) -> None:
    """Create the database when missing, then drop everything in it."""
    target = sa.make_url(url)
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).scalar()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    engine = sa.create_engine(target)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def client(index: int, ports: tuple[int, int], mailbox: SMTPTestServer, start, outcome: Outcome):
    """Register on one instance, confirm on the other, read the state and the mail that follows."""
    home, other = ports[index % 2], ports[(index + 1) % 2]
    email = f"attendee-{index}@example.org"
    # A documentation address range (RFC 5737 and beyond): one visitor, one address.
    visitor = Visitor(home, address=f"198.18.{index // 250}.{index % 250 + 1}")
    outcome.instance_registered = index % 2
    start.wait()
    try:
        began = time.perf_counter()
        form = visitor.get("/register")
        sent = visitor.post(
            "/register",
            {
                "csrf_token": form.csrf_token(),
                "first_name": "Attendee",
                "last_name": f"Number {index}",
                "email": email,
                "attendee_type": "individual",
                "language": "en",
                "consent_privacy": "y",
            },
        )
        if sent.status != 302 or sent.location != "/register/sent":
            raise AssertionError(f"registering answered {sent.status} {sent.location}")
        outcome.seconds["register"] = time.perf_counter() - began
        mails = mailbox.wait_for_mail_to(email, 1, timeout=180)
        if not mails:
            raise AssertionError("no e-mail with the link within 180 s")
        outcome.seconds["mail"] = time.perf_counter() - began
        link = LINK.search(text_of(mails[0]))
        if link is None:
            raise AssertionError("the first e-mail has no manage link")
        manage = link.group(1)

        confirming = time.perf_counter()
        page = visitor.get(manage, port=other)
        done = visitor.post(f"{manage}/confirm", {"csrf_token": page.csrf_token()}, port=other)
        if done.status != 302 or done.location != manage:
            raise AssertionError(f"confirming answered {done.status} {done.location}")
        page = visitor.get(manage, port=other)
        outcome.seconds["confirm"] = time.perf_counter() - confirming
        position = POSITION.search(page.text)
        if position:
            outcome.status = "waitlisted"
            outcome.page_position = int(position.group(1))
        elif "Check-in code" in page.text:
            outcome.status = "confirmed"
        else:
            raise AssertionError("the manage page shows neither a seat nor a place in line")

        mails = mailbox.wait_for_mail_to(email, 2, timeout=180)
        if len(mails) < 2:
            raise AssertionError("no e-mail after confirming within 180 s")
        subject = str(mails[1]["Subject"])
        if outcome.status == "confirmed":
            outcome.qr_attached = subject.startswith("Your seat is confirmed") and any(
                part.get_content_type() == "image/png" for part in mails[1].iter_attachments()
            )
        else:
            position = POSITION.search(text_of(mails[1]))
            outcome.mail_position = int(position.group(1)) if position else None
        outcome.seconds["total"] = time.perf_counter() - began
    except Exception as error:
        outcome.error = f"{type(error).__name__}: {error}"


def run_clients(count: int, ports: tuple[int, int], mailbox: SMTPTestServer) -> tuple:
    """All clients at once; their outcomes and the wall time."""
    outcomes = [Outcome() for _ in range(count)]
    start = threading.Barrier(count + 1)
    threads = [
        # Daemons: after a Ctrl-C nobody waits for a client blocked on its mail.
        threading.Thread(target=client, args=(i, ports, mailbox, start, outcomes[i]), daemon=True)
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - began


def login_lock_holds(ports: tuple[int, int], email: str, password: str) -> tuple[bool, str]:
    """Five wrong passwords, alternately on each instance, then the right one: refused (429).

    Counted per instance, the second would have seen only two failures and let it in.
    """
    answers = []
    for attempt in range(LOGIN_FAILURES_ALLOWED + 1):
        # A new address each time: the lock is the account's, whatever the address.
        visitor = Visitor(ports[attempt % 2], address=f"198.19.0.{attempt + 1}")
        form = visitor.get("/login")
        typed = password if attempt == LOGIN_FAILURES_ALLOWED else f"wrong-{attempt}"
        answer = visitor.post(
            "/login", {"csrf_token": form.csrf_token(), "email": email, "password": typed}
        )
        answers.append(answer.status)
    expected = [200] * LOGIN_FAILURES_ALLOWED + [429]
    return answers == expected, f"statuses {answers}, expected {expected}"


def form_limit_holds(ports: tuple[int, int]) -> tuple[bool, str]:
    """From one address, the lost-link form alternately on each instance: the request past the
    per-address limit is refused (429), counted over both."""
    visitors = [Visitor(port, address="198.19.1.1") for port in ports]
    answers = []
    for attempt in range(REGISTRATION_LIMIT + 1):
        visitor = visitors[attempt % 2]
        form = visitor.get("/registration/resend")
        answer = visitor.post(
            "/registration/resend",
            {"csrf_token": form.csrf_token(), "email": f"nobody-{attempt}@example.org"},
        )
        answers.append(answer.status)
    expected = [200] * REGISTRATION_LIMIT + [429]
    return answers == expected, f"statuses {answers}, expected {expected}"


def percentile(values: list[float], share: float) -> float:
    """The value under which ``share`` of them lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(
    outcomes: list[Outcome], wall: float, capacity: int, database_url: str
) -> tuple[list[str], float]:
    """Print the figures; the invariants that failed, and the registrations per second."""
    failures = []
    errors = [o.error for o in outcomes if o.error]
    finished = [o for o in outcomes if not o.error]
    rate = len(finished) / wall
    print(f"\n{len(outcomes)} clients in {wall:.1f} s: {rate:.1f} registrations/s")
    print("  (each: form, submit, link by SMTP, confirm on the other instance if any, 2nd mail)")
    for step in ("register", "mail", "confirm", "total"):
        values = [o.seconds[step] for o in finished if step in o.seconds]
        if values:
            print(
                f"  {step:<9} p50 {statistics.median(values) * 1000:8.0f} ms"
                f"   p95 {percentile(values, 0.95) * 1000:8.0f} ms"
            )
    print(f"  errors: {len(errors)}")
    for error in sorted(set(errors))[:5]:
        print(f"    ! {error} (x{errors.count(error)})")
    if errors:
        failures.append(f"{len(errors)} clients failed")

    confirmed = [o for o in finished if o.status == "confirmed"]
    waitlisted = [o for o in finished if o.status == "waitlisted"]
    expected_waiting = len(outcomes) - capacity
    print(f"  pages: {len(confirmed)} confirmed, {len(waitlisted)} waitlisted")
    if len(confirmed) != capacity or len(waitlisted) != expected_waiting:
        failures.append(f"expected {capacity} confirmed and {expected_waiting} waitlisted")
    positions = sorted(o.page_position for o in waitlisted)
    if positions != list(range(1, len(waitlisted) + 1)):
        failures.append("waiting-list positions are not exactly 1…N")
    if any(o.mail_position != o.page_position for o in waitlisted):
        failures.append("a waiting-list mail gives another position than the page")
    if not all(o.qr_attached for o in confirmed):
        failures.append("a confirmation mail lacks its QR code")
    print(
        f"  waiting-list positions 1…{len(waitlisted)}, each once, mail = page: "
        f"{'yes' if 'positions' not in ' '.join(failures) else 'NO'}"
    )
    by_instance = [sum(1 for o in outcomes if o.instance_registered == i) for i in (0, 1)]
    print(f"  registered on the first / second port: {by_instance[0]} / {by_instance[1]}")

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.text("SELECT status, count(*) FROM registration GROUP BY status")
            ).all()
        )
        seats = connection.execute(sa.text("SELECT capacity FROM edition")).scalar_one()
    engine.dispose()
    print(f"  database: {dict(sorted(statuses.items()))}, capacity {seats}")
    if statuses != {"confirmed": capacity, "waitlisted": expected_waiting} or seats != capacity:
        failures.append("the database counts differ from the pages")
    return failures, rate


def main() -> None:
    """Set up, run the burst and the rate-limit checks, stop everything, exit 1 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/colloquium_scale_out",
        help="PostgreSQL database, emptied (created when missing)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="Redis database for the rate limits, flushed (memory:// shows the checks failing)",
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="sync workers per instance")
    parser.add_argument(
        "--mail-interval", type=float, default=0.5, help="seconds between the worker's passes"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="first the same burst on one instance of twice the workers, for a same-run ratio",
    )
    options = parser.parse_args()
    if not options.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL (it is emptied)")
    if options.clients <= options.capacity:
        parser.error("--clients must exceed --capacity, to fill the waiting list")
    terminate_on_sigterm()

    failures: list[str] = []
    rates = {}
    if options.compare:
        print(f"Baseline: one instance of {2 * options.workers} sync workers")
        baseline_failures, rates[1] = burst(options, instances=1, workers=2 * options.workers)
        failures += [f"one instance: {failure}" for failure in baseline_failures]
        print()
    print(f"Two instances of {options.workers} sync workers each")
    failures_two, rates[2] = burst(options, instances=2, workers=options.workers)
    failures += failures_two
    if options.compare:
        print(
            f"\nSame run: {rates[1]:.1f} registrations/s on one instance of "
            f"{2 * options.workers} workers, {rates[2]:.1f} on two of {options.workers}: "
            f"ratio {rates[2] / rates[1]:.2f}"
        )
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        raise SystemExit(1)
    print("\nEvery invariant holds.")


def burst(options: argparse.Namespace, instances: int, workers: int) -> tuple[list[str], float]:
    """From an empty database to the final checks, on ``instances`` gunicorn instances;
    what failed, and the registrations per second. Every process is stopped on the way out."""
    empty_database(options.database_url)
    if options.redis_url.startswith("redis"):
        redis.Redis.from_url(options.redis_url).flushdb()
    mailbox = SMTPTestServer()
    mailbox.up()
    ports = (free_port(), free_port()) if instances == 2 else (free_port(),) * 2
    organiser, password = "organiser@example.org", secrets.token_urlsafe(24)
    environment = app_environment(
        {
            "COLLOQUIUM_SQLALCHEMY_DATABASE_URI": options.database_url,
            "COLLOQUIUM_SECRET_KEY": secrets.token_hex(32),
            "COLLOQUIUM_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
            "COLLOQUIUM_RATELIMIT_STORAGE_URI": options.redis_url,
            "COLLOQUIUM_PROXY_COUNT": "1",
            "COLLOQUIUM_MAIL_SERVER": "127.0.0.1",
            "COLLOQUIUM_MAIL_PORT": str(mailbox.port),
        }
    )
    failures: list[str] = []
    try:
        with Processes(environment) as processes:
            processes.flask("db", "upgrade")
            year = date.today().year + 1  # registration opens now and closes the day before
            processes.flask("edition", "create", str(year), "--capacity", str(options.capacity))
            processes.flask(
                "user", "create", organiser, "--role", "organiser", "--password-stdin",
                stdin=password + "\n",
            )  # fmt: skip
            for name, port in zip("AB"[:instances], ports, strict=False):
                processes.gunicorn(f"instance-{name}", port, workers)
            processes.mail_worker(options.mail_interval)
            print(
                f"{options.clients} clients, capacity {options.capacity}, instance(s) on "
                f"{' and '.join(sorted({f':{port}' for port in ports}))} ({workers} sync workers "
                f"each), one mail worker, PostgreSQL, rate limits in {options.redis_url}"
            )
            for port in set(ports):  # untimed: every worker loads its templates and connections
                for _ in range(workers * 4):
                    Visitor(port, address="198.19.2.1").get("/register")

            outcomes, wall = run_clients(options.clients, ports, mailbox)
            processes.check_alive()
            report_failures, rate = report(outcomes, wall, options.capacity, options.database_url)
            failures += report_failures
            if instances == 2:
                failures += rate_limits_hold(ports, organiser, password)
            processes.check_alive()
    finally:
        mailbox.close()
    return failures, rate


def rate_limits_hold(ports: tuple[int, int], organiser: str, password: str) -> list[str]:
    """Both rate-limit checks, printed; what failed."""
    failures = []
    holds, detail = login_lock_holds(ports, organiser, password)
    print(f"\nLogin lock across instances (5 failures A,B,A,B,A then the right "
          f"password on B): {'holds' if holds else 'BROKEN'}; {detail}")  # fmt: skip
    if not holds:
        failures.append("the login lock does not count both instances")
    holds, detail = form_limit_holds(ports)
    print(f"Per-address form limit across instances ({REGISTRATION_LIMIT} per hour, "
          f"alternating): {'holds' if holds else 'BROKEN'}; {detail}")  # fmt: skip
    if not holds:
        failures.append("the per-address limit does not count both instances")
    return failures


if __name__ == "__main__":
    main()
