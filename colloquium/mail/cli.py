"""``flask mail send|worker|status|test``."""

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from colloquium.extensions import db
from colloquium.mail import delivery, services
from colloquium.mail.outbox import queue_mail

mail_cli = AppGroup("mail", help="Deliver the e-mails waiting in the outbox.")


def _log_at_info() -> None:
    # The worker's log is its journal (systemd), and without SMTP it is where mail is shown.
    if current_app.logger.getEffectiveLevel() > logging.INFO:
        current_app.logger.setLevel(logging.INFO)


def _no_server_pass(after_id: int = 0) -> tuple[int, int]:
    count, last_id = delivery.log_pending_mail(after_id)
    if count:
        click.echo(
            f"No MAIL_SERVER configured: {count} e-mail(s) written to the log and left in the "
            "outbox; they will be delivered once MAIL_SERVER is set."
        )
    return count, last_id


@mail_cli.command("send")
def send_command():
    """Deliver what the outbox holds and is due, once; print how many were sent, retried, failed."""
    _log_at_info()
    if not current_app.config.get("MAIL_SERVER"):
        count, _ = _no_server_pass()
        if not count:
            click.echo("No MAIL_SERVER configured, and no e-mail waiting.")
        return
    click.echo(delivery.deliver_due().summary())


@mail_cli.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds to wait between passes.",
)
def worker_command(interval):
    """Deliver due mail in a loop until SIGTERM or Ctrl-C (it finishes the current message)."""
    _log_at_info()
    stop = threading.Event()

    def _request_stop(signum, _frame):
        current_app.logger.info("Mail worker: %s received, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail worker started: a pass every {interval:g} s; SIGTERM or Ctrl-C stops it.")
    last_shown = 0
    try:
        while not stop.is_set():
            try:
                if current_app.config.get("MAIL_SERVER"):
                    report = delivery.deliver_due(should_stop=stop.is_set)
                    if report.attempted:
                        current_app.logger.info("Mail pass: %s", report.summary())
                else:
                    _, last_shown = _no_server_pass(last_shown)
            except Exception:
                # The database or the network may be back at the next pass: keep running.
                db.session.rollback()
                current_app.logger.exception("Mail pass failed; trying again after the interval")
            finally:
                db.session.remove()
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Mail worker stopped.")


@mail_cli.command("status")
def status_command():
    """Print how many e-mails the outbox holds in each status."""
    counts = services.outbox_counts()
    click.echo(", ".join(f"{status} {count}" for status, count in counts.items()))


@mail_cli.command("test")
@click.argument("address")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def test_command(address, language):
    """Queue a test e-mail to ADDRESS, to check the mail settings end to end."""
    try:
        mail = queue_mail(address, "mail/test", language, {"recipient": address})
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="ADDRESS") from None
    db.session.commit()
    click.echo(f"Test e-mail {mail.id} queued; `flask mail send` delivers it.")
