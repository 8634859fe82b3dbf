"""Confirming after the form has closed: allowed until the colloquium's day begins."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, make_edition, make_registration
from tests.web import csrf_token

PARIS = ZoneInfo("Europe/Paris")
CLOSED = "Confirmations closed when the day of the colloquium began"


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the coming colloquium's year, Paris time."""
    return datetime(COMING_YEAR, month, day, hour, minute, tzinfo=PARIS)


def refusal(action) -> str:
    """The English message of the ``DomainError`` that ``action`` raises."""
    with pytest.raises(DomainError) as refused:
        action()
    with force_locale("en"):
        return str(refused.value.message)


def _state(registration) -> tuple[str, int]:
    db.session.expire_all()
    return (
        db.session.get(Registration, registration.id).status,
        db.session.get(Edition, registration.edition_id).seats_taken,
    )


@pytest.mark.parametrize(
    "moment",
    [
        paris(10, 17, 0, 0),  # the day begins
        paris(10, 17, 9, 0),  # the doors open
    ],
)
def test_confirming_on_the_day_is_refused_and_changes_nothing(app, time_machine, moment):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, _ = make_registration(edition)
    time_machine.move_to(moment)
    assert CLOSED in refusal(lambda: services.confirm_registration(registration))
    db.session.rollback()
    assert _state(registration) == ("unconfirmed", 0)


@pytest.mark.parametrize(
    "moment",
    [
        paris(10, 16, 23, 59),  # the form closes at 23:59 the day before…
        paris(10, 16, 23, 59).replace(second=59),  # …and the confirmation still works
    ],
)
def test_confirming_after_the_form_closed_takes_a_seat_until_the_day(app, time_machine, moment):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, _ = make_registration(edition)
    time_machine.move_to(moment)
    assert edition.registration_state(moment) == "closed"
    services.confirm_registration(registration)
    db.session.commit()
    assert _state(registration) == ("confirmed", 1)


def test_an_early_closing_leaves_the_days_until_the_colloquium(app, time_machine):
    time_machine.move_to(paris(9, 1, 12))  # registration opens now, closes on 1 October
    edition = make_edition(COMING_YEAR, capacity=1)
    first, _ = make_registration(edition, "first@example.org")
    second, _ = make_registration(edition, "second@example.org")
    edition.registration_closes_at = paris(10, 1, 12)
    db.session.commit()
    time_machine.move_to(paris(10, 10, 12))
    services.confirm_registration(first)
    services.confirm_registration(second)  # the seat rule still applies
    db.session.commit()
    assert _state(first) == ("confirmed", 1)
    assert _state(second) == ("waitlisted", 1)


def test_a_form_kept_open_on_the_day_can_be_confirmed_until_it_closes(app, time_machine):
    edition = make_edition(COMING_YEAR, capacity=5, registration_closes_at=paris(10, 17, 12))
    time_machine.move_to(paris(10, 17, 10))
    on_time, _ = make_registration(edition, "on-time@example.org")
    services.confirm_registration(on_time)
    late, _ = make_registration(edition, "late@example.org")
    db.session.commit()
    assert _state(on_time) == ("confirmed", 1)
    time_machine.move_to(paris(10, 17, 12))
    assert CLOSED in refusal(lambda: services.confirm_registration(late))


def test_an_organiser_can_still_seat_someone_on_the_day(app, time_machine):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, _ = make_registration(edition)
    time_machine.move_to(paris(10, 17, 9))
    services.confirm_over_capacity(registration)
    db.session.commit()
    assert _state(registration) == ("confirmed", 1)


@pytest.mark.parametrize(
    ("language", "button", "closed"),
    [
        ("en", "Confirm my registration", CLOSED),
        ("fr", "Confirmer mon inscription", "Les confirmations ont fermé"),
    ],
)
def test_the_manage_page_offers_the_button_until_the_day_then_says_why_not(
    app, client, time_machine, language, button, closed
):
    edition = make_edition(COMING_YEAR, capacity=5)
    _registration, token = make_registration(edition)
    time_machine.move_to(paris(10, 16, 23, 59))
    page = client.get(f"/registration/{token}?lang={language}").get_data(as_text=True)
    assert button in page and closed not in page
    time_machine.move_to(paris(10, 17, 8))
    page = client.get(f"/registration/{token}?lang={language}").get_data(as_text=True)
    assert button not in page and closed in page


def test_a_confirmation_posted_on_the_day_is_refused_with_the_reason(app, client, time_machine):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, token = make_registration(edition)
    time_machine.move_to(paris(10, 17, 8))
    form_token = csrf_token(client, f"/registration/{token}/cancel")  # of the cancel page
    response = client.post(
        f"/registration/{token}/confirm?lang=en", data={"csrf_token": form_token}
    )
    assert response.status_code == 302
    assert CLOSED in client.get(f"/registration/{token}?lang=en").get_data(as_text=True)
    assert _state(registration) == ("unconfirmed", 0)
