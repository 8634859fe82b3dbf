"""Checking attendees in at the door: organisers only, once, and only with a seat."""

import pytest
import sqlalchemy as sa

from colloquium.accounts import services as accounts
from colloquium.accounts.models import User
from colloquium.extensions import db
from colloquium.registration import services as registrations
from colloquium.registration.documents import check_in_url
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import csrf_token, log_in


@pytest.fixture
def door(app):
    """An edition with one confirmed attendee, and accounts of every kind."""
    edition = make_edition(COMING_YEAR, capacity=1)
    confirmed, _token = make_registration(
        edition, "ada@example.org", confirm=True, accessibility_needs="Wheelchair access"
    )
    waitlisted, _token = make_registration(edition, "bob@example.org", confirm=True)
    db.session.commit()
    association = make_association("alpha", "Alpha")
    make_user("editor@example.org", association=association)
    make_user("organiser@example.org", role="organiser")
    make_user("gone@example.org", role="organiser")
    return {"confirmed": confirmed.reference, "waitlisted": waitlisted.reference}


def _client(app, who):
    client = app.test_client()
    if who != "anonymous":
        assert log_in(client, f"{who}@example.org").status_code == 302
    if who == "gone":
        accounts.deactivate_user(
            db.session.scalar(sa.select(User).filter_by(email="gone@example.org"))
        )
        db.session.commit()
    return client


def _arrived(reference):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Registration.checked_in_at).where(Registration.reference == reference)
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("editor", 404), ("gone", "login"), ("organiser", 200)],
)
def test_only_organisers_reach_the_door(app, door, who, expected):
    client = _client(app, who)
    token = csrf_token(client, "/password/reset")
    for method, url in [
        ("GET", "/admin/check-in/"),
        ("GET", f"/admin/check-in/{door['confirmed']}"),
        ("POST", f"/admin/check-in/{door['confirmed']}"),
    ]:
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        if expected == "login":
            assert response.status_code == 302, url
            assert "/login?next=" in response.headers["Location"]
        elif expected == 404:
            assert response.status_code == 404, url
        elif method == "GET":
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "no-store"
    assert (_arrived(door["confirmed"]) is not None) == (expected == 200)


def test_the_qr_code_leads_to_the_check_in_page(app, door):
    registration = registrations.find_by_reference(door["confirmed"])
    assert check_in_url(registration) == (
        f"http://colloquium.test/admin/check-in/{door['confirmed']}"
    )


def test_checking_in_once(app, door):
    client = _client(app, "organiser")
    page = client.get(f"/admin/check-in/{door['confirmed']}?lang=en").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Wheelchair access" in page
    assert ">Check in</button>" in page
    token = csrf_token(client, f"/admin/check-in/{door['confirmed']}")

    response = client.post(f"/admin/check-in/{door['confirmed']}", data={"csrf_token": token})
    assert response.status_code == 302
    first = _arrived(door["confirmed"])
    assert first is not None
    # Back at the search box, for the next person at the door.
    assert response.headers["Location"].endswith("/admin/check-in/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace is checked in." in page
    page = client.get(f"/admin/check-in/{door['confirmed']}?lang=en").get_data(as_text=True)
    assert "Already checked in on" in page
    assert ">Check in</button>" not in page

    response = client.post(
        f"/admin/check-in/{door['confirmed']}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "has already been checked in" in response.get_data(as_text=True)
    assert _arrived(door["confirmed"]) == first


def test_someone_without_a_seat_is_not_let_in(app, door):
    client = _client(app, "organiser")
    page = client.get(f"/admin/check-in/{door['waitlisted']}?lang=en").get_data(as_text=True)
    assert "On the waiting list: this person has no seat." in page
    assert ">Check in</button>" not in page
    token = csrf_token(client, "/password/reset")
    response = client.post(
        f"/admin/check-in/{door['waitlisted']}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Only a confirmed registration can be checked in." in response.get_data(as_text=True)
    assert _arrived(door["waitlisted"]) is None


def test_an_expired_form_changes_nothing(app, door):
    client = _client(app, "organiser")
    response = client.post(f"/admin/check-in/{door['confirmed']}?lang=en", follow_redirects=True)
    assert "The page had expired" in response.get_data(as_text=True)
    assert _arrived(door["confirmed"]) is None


def test_unknown_or_erased_references_are_not_found(app, door):
    client = _client(app, "organiser")
    assert client.get("/admin/check-in/OCT30-ZZZZZ").status_code == 404
    registration = registrations.find_by_reference(door["confirmed"])
    registrations.erase_registration(registration)
    db.session.commit()
    assert client.get(f"/admin/check-in/{door['confirmed']}").status_code == 404


def test_looking_up_a_reference(app, door):
    client = _client(app, "organiser")
    response = client.get("/admin/check-in/", query_string={"reference": door["confirmed"].lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/check-in/{door['confirmed']}")

    page = client.get("/admin/check-in/?lang=en&reference=OCT30-ZZZZZ").get_data(as_text=True)
    assert "No registration has this reference." in page
    assert 'aria-invalid="true"' in page and 'value="OCT30-ZZZZZ"' in page
    page = client.get("/admin/check-in/?lang=en&reference=").get_data(as_text=True)
    assert "This field is required." in page
    page = client.get("/admin/check-in/?lang=en").get_data(as_text=True)
    assert "This field is required." not in page


def test_check_in_page_runs_a_fixed_number_of_queries(app, door, count_queries):
    client = _client(app, "organiser")
    with count_queries() as queries:
        assert client.get(f"/admin/check-in/{door['confirmed']}").status_code == 200
    assert len(queries) == 3, queries  # the account, the registration with its edition, the count
