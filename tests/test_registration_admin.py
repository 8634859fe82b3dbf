"""The organisers' list of registrations and its CSV export."""

import csv
import io
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from colloquium.accounts import services as accounts
from colloquium.accounts.models import User
from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from colloquium.registration import services as registrations
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import csrf_token, log_in


@pytest.fixture
def people(app):
    """Accounts of every kind: an editor, an organiser, a deactivated organiser."""
    association = make_association("alpha", "Alpha")
    make_user("editor@example.org", association=association)
    make_user("organiser@example.org", role="organiser")
    make_user("gone@example.org", role="organiser")


@pytest.fixture
def edition(app, people):
    """The coming edition, two seats: two confirmed, one waitlisted, one unconfirmed, one erased."""
    edition = make_edition(COMING_YEAR, capacity=2)
    first, _ = make_registration(
        edition, "ada@example.org", confirm=True, organisation="Amicale du Nid"
    )
    make_registration(edition, "bob@example.org", confirm=True, first_name="Bob")
    make_registration(edition, "cyd@example.org", confirm=True, first_name="Cyd")
    make_registration(edition, "dee@example.org", first_name="Dee")
    gone, _ = make_registration(edition, "eve@example.org", first_name="Eve")
    registrations.erase_registration(gone)
    registrations.check_in(first)
    db.session.commit()
    return edition


def _client(app, who):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if who != "anonymous":
        assert log_in(client, f"{who}@example.org").status_code == 302
    if who == "gone":
        accounts.deactivate_user(
            db.session.scalar(sa.select(User).filter_by(email="gone@example.org"))
        )
        db.session.commit()
    return client


def _organiser(app):
    return _client(app, "organiser")


def _audit_entries():
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry)).all()


def _export(client):
    """Export every column (the export form ticks fewer by default)."""
    token = csrf_token(client, f"/admin/registrations/{COMING_YEAR}")
    return client.post(
        f"/admin/registrations/{COMING_YEAR}/export",
        data={"csrf_token": token, "columns": list(registrations.EXPORT_COLUMNS)},
    )


def _rows(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    # The headers are the columns' English labels: read the rows by the columns' names.
    with force_locale("en"):
        names = {str(label): name for name, label in registrations.EXPORT_COLUMN_LABELS.items()}
    headers = [names[header] for header in next(rows)]
    return [dict(zip(headers, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("editor", 404), ("gone", "login"), ("organiser", 200)],
)
def test_only_organisers_see_and_export_registrations(app, edition, who, expected):
    client = _client(app, who)
    token = csrf_token(client, "/password/reset")
    for method, url in [
        ("GET", "/admin/registrations/"),
        ("GET", f"/admin/registrations/{COMING_YEAR}"),
        ("POST", f"/admin/registrations/{COMING_YEAR}/export"),
        ("GET", "/admin/audit/"),
    ]:
        data = {"csrf_token": token, "columns": "email"} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        if expected == "login":
            assert response.status_code == 302, url
            assert "/login?next=" in response.headers["Location"], url
        elif expected == 404:
            assert response.status_code == 404, url
        elif url == "/admin/registrations/":
            assert response.status_code == 302
            assert response.headers["Location"] == f"/admin/registrations/{COMING_YEAR}"
        else:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "no-store", url
    assert len(_audit_entries()) == (1 if expected == 200 else 0)


def test_without_an_edition_the_page_says_so(app, people):
    response = _organiser(app).get("/admin/registrations/")
    assert response.status_code == 200
    assert "There is no edition yet" in response.get_data(as_text=True)


def test_an_unknown_year_is_not_found_and_its_export_not_logged(app, edition):
    client = _organiser(app)
    assert client.get(f"/admin/registrations/{NEXT_YEAR}").status_code == 404
    token = csrf_token(client, f"/admin/registrations/{COMING_YEAR}")
    response = client.post(f"/admin/registrations/{NEXT_YEAR}/export", data={"csrf_token": token})
    assert response.status_code == 404
    assert _audit_entries() == []


def test_an_export_without_a_valid_csrf_token_is_refused_and_not_logged(app, edition):
    client = _organiser(app)
    response = client.post(
        f"/admin/registrations/{COMING_YEAR}/export", data={"csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "text/csv" not in response.headers["Content-Type"]
    assert _audit_entries() == []


def test_the_counts_include_erased_registrations_but_the_list_does_not(app, edition):
    page = _organiser(app).get(f"/admin/registrations/{COMING_YEAR}").get_data(as_text=True)
    counts = page.split("<table")[0]
    for label, number in [
        ("Confirmed", 2),
        ("Waiting list", 1),
        ("Not confirmed", 1),
        ("Cancelled", 1),
        ("Checked in", 1),
    ]:
        assert f"<dt>{label}</dt><dd>{number}</dd>" in counts, label
    assert "<dd>2 of 2</dd>" in counts
    assert "1 registration whose personal data was erased is counted but not listed." in page
    table = page.split("<table")[1].split("</table>")[0]
    assert table.count('<th scope="row">') == 4
    assert "Eve" not in table
    assert '<th scope="row"> </th>' not in table
    assert '<caption id="registrations-caption">' in table
    assert "Amicale du Nid" in table
    assert "Other association or NGO" in table
    reference = db.session.scalar(
        sa.select(registrations.Registration.reference).filter_by(email="ada@example.org")
    )
    assert f'href="/admin/registrations/{edition.year}/{reference}"' in table


def test_the_list_is_filtered_by_status_and_shows_the_place_in_line(app, edition):
    client = _organiser(app)
    page = client.get(f"/admin/registrations/{COMING_YEAR}?status=waitlisted").get_data(
        as_text=True
    )
    table = page.split("<table")[1]
    assert table.count('<th scope="row">') == 1
    assert "Cyd Lovelace" in table
    assert "no. 1 in line" in table
    assert '<option selected value="waitlisted">' in page

    page = client.get(f"/admin/registrations/{COMING_YEAR}?status=cancelled").get_data(as_text=True)
    assert "<table" not in page
    assert "No registration to list here." in page

    # An unknown status lists everything rather than failing.
    page = client.get(f"/admin/registrations/{COMING_YEAR}?status=nonsense").get_data(as_text=True)
    assert page.split("<table")[1].count('<th scope="row">') == 4


def _many(edition, count):
    for number in range(count):
        make_registration(edition, f"person{number}@example.org", last_name=f"Person{number:03}")


def test_the_list_is_paginated(app, people):
    edition = make_edition(COMING_YEAR, capacity=500)
    _many(edition, 105)
    client = _organiser(app)
    first = client.get(f"/admin/registrations/{COMING_YEAR}").get_data(as_text=True)
    assert first.split("<table")[1].count('<th scope="row">') == 100
    assert "page 1 of 2" in first
    assert "Person000" in first and "Person104" not in first
    assert f'href="/admin/registrations/{COMING_YEAR}?page=2"' in first
    second = client.get(f"/admin/registrations/{COMING_YEAR}?page=2").get_data(as_text=True)
    assert second.split("<table")[1].count('<th scope="row">') == 5
    assert "Person104" in second and "Person000" not in second


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_has_a_fixed_query_count(app, people, count_queries, count):
    edition = make_edition(COMING_YEAR, capacity=1)
    _many(edition, count)
    # Some of them on the waiting list, so that the places in line are looked up too.
    for registration in db.session.scalars(sa.select(registrations.Registration)).all()[::2]:
        registrations.confirm_registration(registration)
    db.session.commit()
    client = _organiser(app)
    client.get(f"/admin/registrations/{COMING_YEAR}")
    with count_queries() as queries:
        response = client.get(f"/admin/registrations/{COMING_YEAR}")
    assert response.status_code == 200
    # The account, the edition, the counts, the page's total and rows, the places in line.
    assert len(queries) == 6


def test_the_export_is_a_csv_file_of_every_registration_with_personal_data(app, edition):
    response = _export(_organiser(app))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="registrations-{COMING_YEAR}.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert list(rows[0]) == list(registrations.EXPORT_COLUMNS)
    assert [row["email"] for row in rows] == [
        "ada@example.org",
        "bob@example.org",
        "cyd@example.org",
        "dee@example.org",
    ]
    ada = rows[0]
    assert ada["status"] == "Confirmed"
    assert ada["organisation"] == "Amicale du Nid"
    assert ada["attendee_type"] == "Other association or NGO"
    assert ada["consent_contact"] == "No"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", ada["checked_in_at"])
    assert rows[3]["status"] == "Not confirmed"
    assert rows[3]["confirmed_at"] == ""


def test_the_export_keeps_accents_commas_quotes_and_new_lines(app, people):
    edition = make_edition(COMING_YEAR)
    make_registration(
        edition,
        "zoe@example.org",
        first_name="Zoé",
        last_name='D\'Arc, "la Pucelle"',
        dietary_requirements="Sans gluten\nsans lactose",
    )
    rows = _rows(_export(_organiser(app)))
    assert rows[0]["first_name"] == "Zoé"
    assert rows[0]["last_name"] == 'D\'Arc, "la Pucelle"'
    assert rows[0]["dietary_requirements"] == "Sans gluten\nsans lactose"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_export_disarms_spreadsheet_formulas(app, people, start):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, "mal@example.org")
    # Set on the row itself: the form strips the leading tab and carriage return, the guard
    # must not depend on it.
    registration.organisation = f'{start}HYPERLINK("http://evil.example")'
    registration.accessibility_needs = f"{start}1+1"
    db.session.commit()
    row = _rows(_export(_organiser(app)))[0]
    assert row["organisation"] == f'\'{start}HYPERLINK("http://evil.example")'
    assert row["accessibility_needs"] == f"'{start}1+1"
    assert row["first_name"] == "Ada"


def test_the_export_writes_one_audit_entry_without_personal_data(app, edition):
    response = _export(_organiser(app))
    assert response.status_code == 200
    [entry] = _audit_entries()
    organiser = db.session.scalar(sa.select(User).filter_by(email="organiser@example.org"))
    assert entry.actor_id == organiser.id
    assert entry.actor_email == "organiser@example.org"
    assert entry.action == "registrations.export"
    assert entry.target == f"edition:{COMING_YEAR}"
    assert entry.details == {
        "rows": 4,
        "filters": {},
        "columns": list(registrations.EXPORT_COLUMNS),
    }
    assert "@" not in str(entry.details)


def test_the_list_and_the_audit_log_speak_french(app, edition):
    client = _organiser(app)
    _export(client)
    page = client.get(f"/admin/registrations/{COMING_YEAR}?lang=fr").get_data(as_text=True)
    assert "<dt>Liste d\u2019attente</dt><dd>1</dd>" in page
    assert "Télécharger le fichier CSV" in page
    assert "n° 1 dans la file" in page
    audit_page = client.get("/admin/audit/?lang=fr").get_data(as_text=True)
    assert "Journal d\u2019audit\u00a0: 1 entrée</caption>" in audit_page
