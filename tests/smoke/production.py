"""Smoke test of a production set-up: the README's commands, then one attendee's journey.

    .venv/bin/python tests/smoke/production.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/colloquium_smoke] \
        [--redis-url redis://127.0.0.1:6379/14]

(or ``make smoke``; ``.ci/run`` runs it after the test suites). It needs the virtualenv that
``make test`` builds, a PostgreSQL server where it may create a database, and Redis.

Set up as README's "Production" section says: the ``COLLOQUIUM_*`` settings (a generated
secret key, PostgreSQL, rate limits in Redis, an https public address, one proxy in front,
two-step login required of organisers, SMTP), then ``flask --app colloquium db upgrade``,
``flask --app colloquium demo`` and ``flask --app colloquium user create … --password-stdin``,
gunicorn with ``--config python:colloquium.gunicorn_conf``, and ``flask --app colloquium mail
worker`` as a separate process delivering to an SMTP server inside this script. Every
request carries what the reverse proxy would add (``X-Forwarded-For``, ``-Proto: https``,
``-Host``).

Then, over HTTP: the public pages and the API; registering (form with its CSRF token), the
link read from the e-mail delivered over SMTP, confirming, the confirmation e-mail with its QR
code, the manage page with its QR code and calendar file; an organiser logging in (setting up
two-step login on the way), finding the registration in the back office, checking the
attendee in and logging out; the health check. It stops every process and drops its database
(also on a failure or Ctrl-C) and exits with status 1 and the failed step on any failure.

The database given is dropped and created again, then dropped at the end: give it a name of
its own (never a database with data, never the test suites' ``test``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pyotp
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.processes import Processes, app_environment, free_port, terminate_on_sigterm  # noqa: E402
from tests.smtp import SMTPTestServer  # noqa: E402
from tests.visitor import Answer, Visitor  # noqa: E402

PUBLIC_HOST = "colloque.example.org"
LINK = re.compile(rf"https://{re.escape(PUBLIC_HOST)}(/registration/[\w-]{{40,}})")
MAIL_SECONDS = 30


class SmokeFailure(Exception):
    """A step of the journey went wrong; the message says which and how."""


def expect(condition: object, message: str) -> None:
    """Fail the current step with ``message`` unless ``condition`` holds."""
    if not condition:
        raise SmokeFailure(message)


def page(answer: Answer, status: int = 200, contains: str | None = None) -> Answer:
    """The answer, once its status (and some text of it) is what it should be."""
    expect(answer.status == status, f"HTTP {answer.status}, expected {status}")
    if contains is not None:
        expect(contains in answer.text, f"the page lacks {contains!r}")
    return answer


def redirect(answer: Answer, to: str | None = None) -> str:
    """Where a redirect goes, once it is one (and goes to ``to``, when given)."""
    expect(answer.status in (302, 303), f"HTTP {answer.status}, expected a redirect")
    if to is not None:
        expect(answer.location == to, f"redirected to {answer.location}, expected {to}")
    return answer.location


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a mail."""
    return message.get_body(("plain",)).get_content()


def recreate_database(url: sa.URL, drop_only: bool = False) -> None:
    """Drop the database (after a failed run too), then create it empty unless ``drop_only``."""
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


def step(name: str, action: Callable[[], object]) -> None:
    """Run one step, timed, and say it went well; a failure names it."""
    started = time.perf_counter()
    try:
        action()
    except SmokeFailure as failure:
        raise SmokeFailure(f"{name}: {failure}") from None
    except Exception as error:
        raise SmokeFailure(f"{name}: {type(error).__name__}: {error}") from error
    print(f"  ok  {name} ({(time.perf_counter() - started) * 1000:.0f} ms)")


class Journey:
    """The steps, each named, each with what it checks; the first failure stops the run."""

    def __init__(self, port: int, mailbox: SMTPTestServer, organiser: tuple[str, str]):
        """One visitor of the app on ``port``, the SMTP sink, the organiser's login."""
        # As nginx would forward it: the visitor's address, https, the public host name; and
        # the Referer a browser sends, which CSRF protection requires of HTTPS form posts.
        self.visitor = Visitor(
            port,
            address="203.0.113.7",
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": PUBLIC_HOST,
                "Referer": f"https://{PUBLIC_HOST}/",
            },
        )
        self.mailbox = mailbox
        self.organiser = organiser
        self.email = f"smoke-{secrets.token_hex(4)}@example.org"
        self.manage = ""
        self.reference = ""
        self.done: list[str] = []

    def run(self) -> None:
        """The whole journey, in order."""
        step("home page (HTTPS headers from the proxy)", self.home)
        step("programme", self.programme)
        step("members' directory and a profile", self.directory)
        step("API: programme and members as JSON", self.api)
        step("register (form with its CSRF token)", self.register)
        step("e-mail with the manage link, over SMTP", self.link_mail)
        step("confirm on the manage page", self.confirm)
        step("confirmation e-mail with its QR code", self.confirmation_mail)
        step("manage page with the QR code", self.manage_page)
        step("calendar file", self.calendar)
        step("organiser logs in, sets up two-step login", self.log_in)
        step("the registration in the back office", self.back_office)
        step("check-in at the door", self.check_in)
        step("log out", self.log_out)
        step("health check", self.health)

    def home(self) -> None:
        """The home page, with HSTS: the app believed the proxy's X-Forwarded-Proto."""
        answer = page(self.visitor.get("/"))
        expect(
            "strict-transport-security" in answer.headers,
            "no HSTS header: X-Forwarded-Proto was not believed (COLLOQUIUM_PROXY_COUNT)",
        )
        expect("/register" in answer.text, "the home page has no link to the registration form")

    def programme(self) -> None:
        """The published programme of the demo, and one of its sessions."""
        answer = page(self.visitor.get("/programme"))
        session = re.search(r'href="(/programme/sessions/\d+)"', answer.text)
        expect(session, "the programme lists no session")
        page(self.visitor.get(session.group(1)))

    def directory(self) -> None:
        """The members' directory and one member's profile."""
        answer = page(self.visitor.get("/associations"))
        profile = re.search(r'href="(/associations/[a-z0-9-]+)"', answer.text)
        expect(profile, "the directory lists no member")
        page(self.visitor.get(profile.group(1)))

    def api(self) -> None:
        """The programme and the directory as JSON."""
        answer = page(self.visitor.get("/api/v1/programme?lang=en"))
        expect(answer.headers.get("content-type", "").startswith("application/json"), "not JSON")
        programme = json.loads(answer.body)
        expect(programme["sessions"] and programme["language"] == "en", "no session in English")
        members = json.loads(page(self.visitor.get("/api/v1/associations")).body)
        expect(members["associations"], "no member in the JSON directory")

    def register(self) -> None:
        """Fill in and send the registration form; the page that says a mail is on its way."""
        form = page(self.visitor.get("/register"), contains="consent_privacy")
        answer = self.visitor.post(
            "/register",
            {
                "csrf_token": form.csrf_token(),
                "first_name": "Camille",
                "last_name": "Smoke",
                "email": self.email,
                "attendee_type": "individual",
                "language": "en",
                "consent_privacy": "y",
            },
        )
        page(self.visitor.get(redirect(answer, "/register/sent")), contains=self.email)

    def link_mail(self) -> None:
        """The first e-mail, delivered over SMTP: its manage link on the public address."""
        mails = self.mailbox.wait_for_mail_to(self.email, 1, timeout=MAIL_SECONDS)
        expect(mails, f"no e-mail within {MAIL_SECONDS} s: is the mail worker delivering?")
        expect(str(mails[0]["Subject"]).startswith("Confirm your registration"), "wrong subject")
        link = LINK.search(text_of(mails[0]))
        expect(link, f"no https://{PUBLIC_HOST}/registration/… link (COLLOQUIUM_PUBLIC_URL)")
        self.manage = link.group(1)

    def confirm(self) -> None:
        """Press Confirm on the manage page."""
        form = page(self.visitor.get(self.manage))
        answer = self.visitor.post(f"{self.manage}/confirm", {"csrf_token": form.csrf_token()})
        redirect(answer, self.manage)

    def confirmation_mail(self) -> None:
        """The confirmation: its reference, and its QR code shown inline and attached."""
        mails = self.mailbox.wait_for_mail_to(self.email, 2, timeout=MAIL_SECONDS)
        expect(len(mails) == 2, f"no second e-mail within {MAIL_SECONDS} s")
        mail = mails[1]
        expect(str(mail["Subject"]).startswith("Your seat is confirmed"), "not a confirmation")
        reference = re.search(r"Your reference: (\S+?)\.", text_of(mail))
        expect(reference, "the confirmation gives no reference")
        self.reference = reference.group(1)
        images = [part for part in mail.walk() if part.get_content_type() == "image/png"]
        expect(images, "no QR code image in the e-mail")
        expect(all(image.get_content().startswith(b"\x89PNG") for image in images), "not a PNG")
        expect(
            any(image.get_filename() == f"{self.reference}.png" for image in images),
            f"no attachment named {self.reference}.png",
        )
        html = mail.get_body(("html",)).get_content()
        expect("cid:" in html, "the HTML does not show the QR code inline")

    def manage_page(self) -> None:
        """The manage page, now with the QR code, and never cached."""
        answer = page(self.visitor.get(self.manage), contains=self.reference)
        expect("Check-in code" in answer.text and "<svg" in answer.text, "no QR code on the page")
        expect("no-store" in answer.headers.get("cache-control", ""), "the page may be cached")

    def calendar(self) -> None:
        """The attendee's calendar file."""
        answer = page(self.visitor.get(f"{self.manage}/calendar.ics"))
        expect(answer.headers.get("content-type", "").startswith("text/calendar"), "not a .ics")
        expect(answer.text.startswith("BEGIN:VCALENDAR"), "not an iCalendar file")

    def log_in(self) -> None:
        """The organiser logs in; the back office asks for two-step login, set up with a code."""
        email, password = self.organiser
        form = page(self.visitor.get("/login"))
        answer = self.visitor.post(
            "/login",
            {"csrf_token": form.csrf_token(), "email": email, "password": password, "next": ""},
        )
        redirect(answer)
        # COLLOQUIUM_REQUIRE_ORGANISER_2FA: the back office first asks for two-step login.
        setup_path = redirect(self.visitor.get("/admin/"))
        expect(setup_path.startswith("/account/two-factor"), "not asked for two-step login")
        setup = page(self.visitor.get(setup_path))
        key = re.search(r'class="reference secret-key">([A-Z2-7 ]+)<', setup.text)
        expect(key, "the set-up page shows no key")
        code = pyotp.TOTP(key.group(1).replace(" ", "")).now()
        answer = self.visitor.post(
            setup_path,
            {"csrf_token": setup.csrf_token(), "offer": setup.field("offer"), "code": code},
        )
        page(answer, contains="recovery")
        page(self.visitor.get("/admin/"))

    def back_office(self) -> None:
        """The organisers' list finds the registration; its own page."""
        listing = redirect(self.visitor.get("/admin/registrations/"))
        answer = page(self.visitor.get(f"{listing}?q={self.email}"), contains=self.reference)
        detail = re.search(rf'href="(/admin/registrations/\d+/{self.reference})"', answer.text)
        expect(detail, "the search does not link to the registration")
        page(self.visitor.get(detail.group(1)), contains=self.email)

    def check_in(self) -> None:
        """At the door: the attendee may come in, is checked in, and shows so."""
        door = f"/admin/check-in/{self.reference}"
        form = page(self.visitor.get(door), contains="Confirmed: may come in")
        redirect(self.visitor.post(door, {"csrf_token": form.csrf_token()}), "/admin/check-in/")
        page(self.visitor.get(door), contains="Already checked in")

    def log_out(self) -> None:
        """Log out: the back office then sends to the login page."""
        form = page(self.visitor.get("/admin/"))
        redirect(self.visitor.post("/logout", {"csrf_token": form.csrf_token()}), "/")
        expect(
            redirect(self.visitor.get("/admin/")).startswith("/login"),
            "the back office still opens after logging out",
        )

    def health(self) -> None:
        """The load balancer's health check."""
        page(self.visitor.get("/healthz"), contains="ok")


def clean_logs(processes: Processes, journey: Journey) -> None:
    """No process logged a traceback; the access log shows the manage pages' paths redacted."""
    token = journey.manage.removeprefix("/registration/")
    for name in processes.running:
        log = processes.output(name, lines=100_000)
        expect("Traceback" not in log, f"{name} logged an error:\n{processes.output(name)}")
        expect(token not in log, f"{name} logged a manage link's token")
    access = processes.output("gunicorn", lines=100_000)
    expect("/registration/[redacted]" in access, "the access log shows no redacted manage page")


def main() -> None:
    """Set up as in production, walk the journey, stop everything; exit 1 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/colloquium_smoke",
        help="PostgreSQL database to create and drop (its own name: it is dropped first)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/14", help="Redis database, flushed"
    )
    options = parser.parse_args()
    database = sa.make_url(options.database_url)
    if not database.drivername.startswith("postgresql") or database.database in (
        None,
        "postgres",
        "test",
    ):
        parser.error("--database-url: a PostgreSQL database of its own (not postgres or test)")
    terminate_on_sigterm()

    started = time.perf_counter()
    mailbox = SMTPTestServer()
    port = free_port()
    organiser = ("smoke-organiser@example.org", secrets.token_urlsafe(24))
    environment = app_environment(
        {
            "COLLOQUIUM_SQLALCHEMY_DATABASE_URI": options.database_url,
            "COLLOQUIUM_SECRET_KEY": secrets.token_hex(32),
            "COLLOQUIUM_PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "COLLOQUIUM_RATELIMIT_STORAGE_URI": options.redis_url,
            "COLLOQUIUM_PROXY_COUNT": "1",
            "COLLOQUIUM_REQUIRE_ORGANISER_2FA": "true",
            "COLLOQUIUM_MAIL_SERVER": "127.0.0.1",
            "COLLOQUIUM_MAIL_PORT": str(mailbox.port),
        }
    )
    failure = None
    print("Production smoke test: setting up as README's production section says")
    try:
        step(f"a new database {database.database}", lambda: recreate_database(database))
        step("Redis answers", lambda: redis.Redis.from_url(options.redis_url).flushdb())
        mailbox.up()
        with Processes(environment) as processes:
            try:
                step("flask db upgrade", lambda: processes.flask("db", "upgrade"))
                step("flask demo", lambda: processes.flask("demo"))
                step(
                    "flask user create (an organiser, password on standard input)",
                    lambda: processes.flask(
                        "user", "create", organiser[0], "--role", "organiser",
                        "--name", "Smoke Organiser", "--password-stdin",
                        stdin=organiser[1] + "\n",
                    ),
                )  # fmt: skip
                step(
                    "gunicorn --config python:colloquium.gunicorn_conf, answering /healthz",
                    # With its access log, to check that no link token reaches it.
                    lambda: processes.gunicorn(
                        "gunicorn", port, workers=2, extra=("--access-logfile", "-")
                    ),
                )
                # A pass every second instead of README's 10: the script waits for each mail.
                step("flask mail worker", lambda: processes.mail_worker(interval=1))
                print(f"  set up in {time.perf_counter() - started:.1f} s; the journey:")
                journey = Journey(port, mailbox, organiser)
                journey.run()
                step("logs: no error, no link token", lambda: clean_logs(processes, journey))
                processes.check_alive()
            except (SmokeFailure, RuntimeError) as error:
                failure = str(error)
                for name, process in processes.running.items():
                    state = "running" if process.poll() is None else f"exited {process.returncode}"
                    print(f"--- {name} ({state}), last lines:", file=sys.stderr)
                    print(processes.output(name), file=sys.stderr)
    except SmokeFailure as error:  # before any process started
        failure = str(error)
    finally:
        mailbox.close()
        with contextlib.suppress(sa.exc.OperationalError):
            recreate_database(database, drop_only=True)
    if failure:
        print(f"\nSMOKE TEST FAILED: {failure}", file=sys.stderr)
        raise SystemExit(1)
    print(f"\nProduction smoke test passed in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
