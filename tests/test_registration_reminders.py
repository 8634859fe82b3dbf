"""Reminders before the day: the practical information, once, to each confirmed attendee,
from ``flask reminders send`` (a daily timer) or the dashboard's button."""

import re
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.mail.delivery import deliver_due
from colloquium.mail.models import OutgoingMail
from colloquium.programme import services as programme
from colloquium.registration import messages, services
from colloquium.registration.models import Registration
from colloquium.registration.tokens import manage_token
from tests.factories import (
    COMING_YEAR,
    make_edition,
    make_registration,
    make_room,
    make_session,
    make_user,
)
from tests.web import csrf_token, log_in

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime(COMING_YEAR, 10, 17).date()
LINK = re.compile(r"http://colloquium\.test/registration/([\w-]+)")


def days_before(time_machine, days: int) -> None:
    """Move the clock to ten in the morning, ``days`` before the colloquium (Paris time)."""
    time_machine.move_to(datetime.combine(DAY - timedelta(days=days), time(10), PARIS), tick=False)


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail))


def clear_outbox():
    db.session.execute(sa.delete(OutgoingMail))
    db.session.commit()


@pytest.fixture
def attendees(app):
    """Two confirmed attendees (French, English); one of each other state; one erased."""
    edition = make_edition(
        COMING_YEAR,
        capacity=3,
        venue_name="Halle aux grains",
        venue_address="1 place Dupuy",
        city="Toulouse",
    )
    people = {
        "ada": make_registration(edition, "ada@example.org", confirm=True, first_name="Ada")[0],
        "bob": make_registration(
            edition, "bob@example.org", confirm=True, first_name="Bob", language="en"
        )[0],
        "gone": make_registration(edition, "gone@example.org", confirm=True)[0],
        "cy": make_registration(edition, "cy@example.org", confirm=True, first_name="Cy")[0],
        "dan": make_registration(edition, "dan@example.org", first_name="Dan")[0],
        "eve": make_registration(edition, "eve@example.org", first_name="Eve")[0],
    }
    services.erase_registration(people["gone"])  # cy is promoted: three confirmed, two left
    services.cancel_registration(people["eve"])
    room = make_room(edition, "Salle Nougaro", access_notes="Lift behind the reception desk.")
    make_session(edition, "Ouverture", starts="09:30", ends="10:00", room=room, kind="opening")
    programme.set_published(edition, True)
    db.session.commit()
    clear_outbox()
    return people


def test_confirmed_attendees_get_the_reminder_once_through_smtp(
    app, runner, attendees, smtp_server, time_machine
):
    smtp_server.configure(app)
    days_before(time_machine, 5)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Edition {COMING_YEAR}: 3 reminders queued.\n"

    report = deliver_due()
    assert (report.sent, report.failed) == (3, 0)
    assert smtp_server.wait_for(3)
    by_address = {message["To"]: message for message in smtp_server.messages}
    assert sorted(by_address) == ["ada@example.org", "bob@example.org", "cy@example.org"]

    bob = by_address["bob@example.org"]
    assert (
        bob["Subject"]
        == f"See you on 17 October {COMING_YEAR}: Colloquium of 17 October {COMING_YEAR}"
    )
    text = bob.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Bob,")
    assert "from 09:30 (first session)" in text
    assert "Halle aux grains, 1 place Dupuy, Toulouse" in text
    assert "Salle Nougaro: Lift behind the reception desk." in text
    assert LINK.search(text).group(1) == manage_token(attendees["bob"])
    reference = attendees["bob"].reference
    [qr] = list(bob.iter_attachments())  # attached as a file…
    assert qr.get_filename() == f"{reference}.png"
    assert qr.get_content().startswith(b"\x89PNG")
    html = bob.get_body(("html",)).get_content()  # …and shown in the HTML
    assert f'src="cid:{reference}.png@colloquium"' in html
    shown = [part for part in bob.walk() if part["Content-ID"] == f"<{reference}.png@colloquium>"]
    assert len(shown) == 1 and shown[0].get_content() == qr.get_content()

    ada = by_address["ada@example.org"]
    assert ada["Subject"].startswith("À bientôt, le 17 octobre")
    assert "dès 09:30 (première séance)" in ada.get_body(("plain",)).get_content()

    again = runner.invoke(args=["reminders", "send"])
    assert again.output == f"Edition {COMING_YEAR}: 0 reminders queued.\n"
    assert outbox_count() == 3
    sent_at = db.session.scalars(
        sa.select(Registration.reminder_sent_at).where(Registration.reminder_sent_at.is_not(None))
    ).all()
    assert len(sent_at) == 3


def test_nothing_goes_before_the_window_and_days_widens_it(runner, attendees, time_machine):
    days_before(time_machine, 10)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0
    assert "No reminder queued: the colloquium is 10 days away" in result.output
    assert "from 7 days before" in result.output
    assert outbox_count() == 0
    result = runner.invoke(args=["reminders", "send", "--days", "10"])
    assert result.output == f"Edition {COMING_YEAR}: 3 reminders queued.\n"
    assert outbox_count() == 3


def test_the_default_window_comes_from_the_settings(make_app, time_machine):
    app = make_app(config={"REMINDER_DAYS": 12})
    with app.app_context():
        edition = make_edition(COMING_YEAR)
        make_registration(edition, "ada@example.org", confirm=True)
        clear_outbox()
        days_before(time_machine, 12)
        result = app.test_cli_runner().invoke(args=["reminders", "send"])
        assert result.output == f"Edition {COMING_YEAR}: 1 reminder queued.\n"


def test_the_day_itself_is_in_the_window_and_after_it_nothing_goes(runner, attendees, time_machine):
    time_machine.move_to(datetime.combine(DAY + timedelta(days=1), time(10), PARIS), tick=False)
    result = runner.invoke(args=["reminders", "send"])
    assert "the colloquium is over" in result.output
    assert outbox_count() == 0
    days_before(time_machine, 0)
    assert "3 reminders queued" in runner.invoke(args=["reminders", "send"]).output


def test_someone_promoted_later_gets_it_on_the_next_run(runner, attendees, time_machine):
    days_before(time_machine, 3)
    runner.invoke(args=["reminders", "send"])
    services.confirm_registration(attendees["dan"])  # waitlisted: no seat left
    services.cancel_registration(attendees["ada"])  # dan is promoted
    db.session.commit()
    clear_outbox()
    assert "1 reminder queued" in runner.invoke(args=["reminders", "send"]).output
    assert db.session.scalars(sa.select(OutgoingMail.recipient)).all() == ["dan@example.org"]


def test_a_wrong_number_of_days_is_one_line_and_sends_nothing(runner, attendees, time_machine):
    days_before(time_machine, 3)
    result = runner.invoke(args=["reminders", "send", "--days", "-1"])
    assert result.exit_code == 1
    assert result.output == "Error: The number of days must be between 0 and 365.\n"
    assert outbox_count() == 0


def test_the_command_records_what_it_sent_in_the_audit_log(runner, attendees, time_machine):
    days_before(time_machine, 3)
    runner.invoke(args=["reminders", "send"])
    runner.invoke(args=["reminders", "send"])  # nothing more: no line
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.target, entry.details) == (
        "reminders.send",
        f"edition:{COMING_YEAR}",
        {"recipients": 3},
    )
    assert entry.actor_id is None


def test_the_dashboard_button_asks_first_then_sends(client, attendees, time_machine):
    days_before(time_machine, 3)
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    dashboard = client.get("/admin/?lang=en").get_data(as_text=True)
    url = f"/admin/messages/{COMING_YEAR}/reminders"
    assert f'action="{url}"' in dashboard
    token = csrf_token(client, html=dashboard)

    unsure = client.post(f"{url}?lang=en", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick the box to send the reminders." in unsure.get_data(as_text=True)
    assert outbox_count() == 0

    sure = client.post(
        f"{url}?lang=en", data={"csrf_token": token, "confirm": "y"}, follow_redirects=True
    )
    html = sure.get_data(as_text=True)
    assert "3 reminders queued." in html
    assert "0 confirmed attendees have not had it yet." in html
    assert outbox_count() == 3
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reminders.send"))
    assert entry.details == {"recipients": 3} and entry.actor_email == "boss@example.org"


def test_the_button_before_the_window_says_so(client, attendees, time_machine):
    days_before(time_machine, 30)
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    url = f"/admin/messages/{COMING_YEAR}"
    response = client.post(
        f"{url}/reminders?lang=en",
        data={"csrf_token": csrf_token(client, url), "confirm": "y"},
        follow_redirects=True,
    )
    assert "the colloquium is 30 days away" in response.get_data(as_text=True)
    assert outbox_count() == 0


def test_runs_at_the_same_time_send_each_reminder_once(make_app, time_machine):
    """Two timers, or a timer and the button, at once: every attendee still gets one."""
    app = make_app(
        {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5, "max_overflow": 0, "pool_timeout": 60}}
    )
    with app.app_context():
        edition = make_edition(COMING_YEAR, capacity=20)
        for number in range(12):
            make_registration(edition, f"person{number}@example.org", confirm=True)
        clear_outbox()
        days_before(time_machine, 2)
        edition_id = edition.id
        db.session.commit()
        start = threading.Barrier(4, timeout=60)
        queued, errors = [], []

        def run():
            start.wait()
            with app.app_context():
                try:
                    queued.append(
                        messages.send_reminders(db.session.get(Edition, edition_id)).queued
                    )
                    db.session.commit()
                except BaseException as error:
                    db.session.rollback()
                    errors.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sum(queued) == 12
        recipients = db.session.scalars(sa.select(OutgoingMail.recipient)).all()
        assert sorted(recipients) == sorted(f"person{n}@example.org" for n in range(12))
