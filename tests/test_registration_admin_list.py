"""The organisers' registrations list: search, filters, order, and the CSV of what it selects."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, make_edition, make_registration, make_user
from tests.web import csrf_token, log_in

LIST = f"/admin/registrations/{COMING_YEAR}"
EXPORT = f"/admin/registrations/{COMING_YEAR}/export"


@pytest.fixture
def organiser(app):
    """A logged-in organiser's client, its browser in English."""
    make_user("organiser@example.org", role="organiser")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(client, "organiser@example.org").status_code == 302
    return client


@pytest.fixture
def people(app):
    """Five people, one seat: every status, types, languages, needs and accented names."""
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(
        edition,
        "helene@example.org",
        confirm=True,
        first_name="Hélène",
        last_name="Dupont",
        organisation="Cercle d'Études",
        attendee_type="research",
        language="fr",
        accessibility_needs="Fauteuil roulant",
    )
    make_registration(
        edition,
        "zoe@example.org",
        confirm=True,  # waitlisted: the one seat is taken
        first_name="Zoé",
        last_name="Écoute",
        organisation="Amicale",
        attendee_type="press",
        language="en",
        dietary_requirements="Végétarien",
    )
    make_registration(
        edition, "bob@example.org", first_name="Bob", last_name="Eyre", attendee_type="ngo"
    )
    cancelled, _ = make_registration(
        edition,
        "abel@example.org",
        first_name="Léa",
        last_name="Abel",
        organisation="Zénith",
        language="en",
    )
    registrations.cancel_registration(cancelled)
    make_registration(edition, "zola@example.org", first_name="Émile", last_name="Zola")
    db.session.commit()
    return edition


def _names(client, query=""):
    """The last names listed, in the page's order."""
    html = client.get(LIST + query).get_data(as_text=True)
    if "<table" not in html:
        return []
    table = html.split("<table")[1].split("</table>")[0]
    return [name.split()[-1] for name in re.findall(r'<th scope="row">([^<]*)</th>', table)]


def _export(client, **data):
    data.setdefault("columns", ["reference", "last_name", "status"])
    data["csrf_token"] = csrf_token(client, LIST)
    return client.post(EXPORT, data=data)


def _csv(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _audit_entries():
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry)).all()


# --- Search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("helene", ["Dupont"]),
        ("HÉLÈNE", ["Dupont"]),
        ("hélène dupont", ["Dupont"]),
        ("Dupont Helene", ["Dupont"]),
        ("etudes", ["Dupont"]),
        ("ÉTUDES", ["Dupont"]),
        ("ecoute", ["Écoute"]),
        ("ZOE@EXAMPLE", ["Écoute"]),
        ("example.org", ["Dupont", "Écoute", "Eyre", "Abel", "Zola"]),
        ("amicale", ["Écoute"]),
        ("emile zola", ["Zola"]),
        ("nobody", []),
        ("%", []),
        ("_", []),
        ("   ", ["Dupont", "Écoute", "Eyre", "Abel", "Zola"]),
    ],
)
def test_the_search_is_blind_to_case_and_accents(organiser, people, text, expected):
    assert _names(organiser, f"?q={text}") == expected


def test_the_search_finds_a_reference_in_any_case(organiser, people):
    reference = db.session.scalar(
        sa.select(Registration.reference).filter_by(email="bob@example.org")
    )
    assert _names(organiser, f"?q={reference.lower()}") == ["Eyre"]
    assert _names(organiser, f"?q={reference[-4:]}") == ["Eyre"]


def test_a_search_that_finds_nobody_says_so_and_keeps_the_text(organiser, people):
    html = organiser.get(LIST + "?q=Nob%C3%B6dy").get_data(as_text=True)
    assert "No registration matches this search." in html
    assert 'value="Nobödy"' in html


# --- Filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=confirmed", ["Dupont"]),
        ("status=waitlisted", ["Écoute"]),
        ("status=unconfirmed", ["Eyre", "Zola"]),
        ("status=cancelled", ["Abel"]),
        ("type=research", ["Dupont"]),
        ("type=ngo", ["Eyre", "Abel", "Zola"]),
        ("type=individual", []),
        ("language=en", ["Écoute", "Abel"]),
        ("language=fr", ["Dupont", "Eyre", "Zola"]),
        ("needs=accessibility", ["Dupont"]),
        ("needs=dietary", ["Écoute"]),
        ("language=fr&type=ngo&q=e", ["Eyre", "Zola"]),
    ],
)
def test_each_filter_narrows_the_list(organiser, people, query, expected):
    assert _names(organiser, "?" + query) == expected


def test_the_form_keeps_what_was_chosen_and_labels_every_field(organiser, people):
    html = organiser.get(
        LIST + "?q=helene&status=confirmed&type=research&language=fr&needs=accessibility&sort=name"
    ).get_data(as_text=True)
    form = html.split('class="registration-filters"')[1].split("</form>")[0]
    assert 'method="get"' in html.split('class="registration-filters"')[0].rsplit("<form", 1)[1]
    for name in ("q", "status", "type", "language", "needs", "sort"):
        assert f'<label for="{name}">' in form, name
        assert f'id="{name}"' in form, name
    assert 'value="helene"' in form
    for value in ("confirmed", "research", "fr", "accessibility", "name"):
        assert f'<option selected value="{value}">' in form, value
    # The export carries the same selection.
    export = html.split('class="registration-export"')[1].split("</form>")[0]
    for name, value in [
        ("q", "helene"),
        ("status", "confirmed"),
        ("type", "research"),
        ("language", "fr"),
        ("needs", "accessibility"),
        ("sort", "name"),
    ]:
        assert f'<input type="hidden" name="{name}" value="{value}">' in export, name


# --- Order -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Dupont", "Écoute", "Eyre", "Abel", "Zola"]),
        ("oldest", ["Dupont", "Écoute", "Eyre", "Abel", "Zola"]),
        ("newest", ["Zola", "Abel", "Eyre", "Écoute", "Dupont"]),
        # French order: "Écoute" among the E's, not after Z.
        ("name", ["Abel", "Dupont", "Écoute", "Eyre", "Zola"]),
        # By organisation ("Amicale", "Cercle d'Études", "Zénith"), those without one last.
        ("organisation", ["Écoute", "Dupont", "Abel", "Eyre", "Zola"]),
        # Confirmed, waiting list, not confirmed, cancelled.
        ("status", ["Dupont", "Écoute", "Eyre", "Zola", "Abel"]),
    ],
)
def test_the_list_is_sorted_as_asked(organiser, people, sort, expected):
    assert _names(organiser, f"?sort={sort}") == expected


def test_sorted_by_status_a_promoted_attendee_is_among_the_confirmed(organiser, people):
    # Hélène cancels: Zoé, first in line, takes her seat (and keeps her waitlisted_at).
    helene = db.session.scalar(sa.select(Registration).filter_by(email="helene@example.org"))
    registrations.cancel_registration(helene)
    bob = db.session.scalar(sa.select(Registration).filter_by(email="bob@example.org"))
    registrations.confirm_registration(bob)  # waitlisted now: the seat is Zoé's
    db.session.commit()
    assert _names(organiser, "?sort=status") == ["Écoute", "Eyre", "Zola", "Dupont", "Abel"]


def test_newest_first_follows_the_registration_dates(app, organiser, people):
    # Registrations made within the same second are told apart by the moment itself.
    for number, email in enumerate(["zola@example.org", "helene@example.org"]):
        registration = db.session.scalar(sa.select(Registration).filter_by(email=email))
        registration.created_at = datetime(COMING_YEAR - 1, 1, 1, tzinfo=UTC) + timedelta(
            days=number
        )
    db.session.commit()
    assert _names(organiser, "?sort=newest")[-2:] == ["Dupont", "Zola"]
    assert _names(organiser, "?sort=oldest")[:2] == ["Zola", "Dupont"]


# --- Statuses, columns, languages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Confirmed", "On the waiting list", "Not confirmed", "Cancelled"]),
        ("fr", ["Confirmée", "Sur liste d\u2019attente", "Non confirmée", "Annulée"]),
    ],
)
def test_each_row_shows_its_status_in_the_singular(organiser, people, language, labels):
    html = organiser.get(f"{LIST}?sort=status&lang={language}").get_data(as_text=True)
    table = html.split("<table")[1].split("</table>")[0]
    cells = re.findall(r"<td>([^<]*)</td>\s*<td>(?:[^<]*)</td>\s*</tr>", table)
    statuses = [cell.split(" · ")[0] for cell in cells]
    assert statuses == [labels[0], labels[1], labels[2], labels[2], labels[3]]
    # The waiting list still shows the place in line; the counts above keep their plurals.
    assert (" · no. 1 in line" if language == "en" else " · n° 1 dans la file") in table
    if language == "fr":
        assert "<dt>Confirmées</dt><dd>1</dd>" in html


def test_the_list_shows_the_email_and_the_translated_language(organiser, people):
    html = organiser.get(f"{LIST}?lang=fr").get_data(as_text=True)
    table = html.split("<table")[1].split("</table>")[0]
    assert '<th scope="col">E-mail</th>' in table
    assert "helene@example.org" in table
    assert "<td>Anglais</td>" in table and "<td>Français</td>" in table


# --- Hostile or mistyped addresses --------------------------------------------------------------

HOSTILE = ["%00", "x" * 5000, "%FF%FE", "é漢🙂%E2%80%AE", "99999999999999999999", "-1", "a'b\""]


@pytest.mark.parametrize("parameter", ["q", "status", "type", "language", "needs", "sort", "page"])
def test_any_value_of_any_parameter_shows_the_list(organiser, people, parameter):
    everyone = _names(organiser)
    for value in HOSTILE:
        response = organiser.get(f"{LIST}?{parameter}={value}")
        assert response.status_code == 200, value
        if parameter not in ("q", "page"):
            # An unknown filter or order is no filter, and the list's default order.
            assert _names(organiser, f"?{parameter}={value}") == everyone, value


@pytest.mark.parametrize("parameter", ["q", "status", "type", "language", "needs", "sort"])
def test_the_export_of_hostile_filters_exports_with_the_defaults(organiser, people, parameter):
    response = _export(organiser, **{parameter: "zz\x00q" if parameter == "q" else "nonsense"})
    assert response.status_code == 200
    rows = _csv(response)
    assert len(rows) == 1 + (0 if parameter == "q" else 5)


@pytest.mark.parametrize(
    "columns", [["nonsense"], ["last_name", "token_hash"], ["a\x00b"], ["x" * 5000], []]
)
def test_unknown_or_missing_columns_are_refused_with_a_message(organiser, people, columns):
    response = _export(organiser, columns=columns, status="confirmed")
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    html = response.get_data(as_text=True)
    assert '<div class="error-summary"' in html
    assert "Tick at least one column." in html or "not a valid choice" in html
    # The page shown again keeps the filter.
    assert _audit_entries() == []
    assert '<option selected value="confirmed">' in html


# --- The CSV export --------------------------------------------------------------------------


def test_the_export_holds_the_chosen_columns_with_english_headers_and_values(organiser, people):
    response = _export(
        organiser,
        columns=["consent_contact", "language", "attendee_type", "status", "last_name"],
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="registrations-{COMING_YEAR}.csv"'
    )
    rows = _csv(response)
    # In the file's fixed order, whatever the order they were ticked in.
    assert rows[0] == [
        "Status",
        "Last name",
        "Attendee",
        "Language",
        "Agrees to hear about next year",
    ]
    assert rows[1] == ["Confirmed", "Dupont", "Research or teaching", "French", "No"]
    assert rows[2] == ["On the waiting list", "Écoute", "Press", "English", "No"]
    assert len(rows) == 6


def test_the_export_speaks_french_with_semicolons(organiser, people):
    token = csrf_token(organiser, LIST + "?lang=fr")
    response = organiser.post(
        EXPORT,
        data={
            "csrf_token": token,
            "columns": ["last_name", "organisation", "status", "attendee_type", "language"],
            "status": "confirmed",
        },
    )
    body = response.get_data().decode("utf-8-sig")
    assert body.splitlines()[0] == "État;Nom;Organisation;Participant·e;Langue"
    # A value holding the separator is quoted, and read back whole.
    assert _csv(response)[1] == [
        "Confirmée",
        "Dupont",
        "Cercle d'Études",
        "Recherche ou enseignement",
        "Français",
    ]


def test_the_export_holds_every_page_of_the_selection(app, organiser):
    edition = make_edition(COMING_YEAR, capacity=500)
    for number in range(130):
        make_registration(
            edition,
            f"person{number}@example.org",
            last_name=f"Person{number:03}",
            language="en" if number % 2 else "fr",
        )
    rows = _csv(_export(organiser, language="en", columns=["last_name", "language"]))
    assert len(rows) == 1 + 65
    assert {row[1] for row in rows[1:]} == {"English"}
    [entry] = _audit_entries()
    assert entry.details["rows"] == 65


@pytest.mark.parametrize(
    ("moment", "french", "english"),
    [
        # Summer time (UTC+2), winter time (UTC+1), and both sides of the October change.
        (datetime(COMING_YEAR, 7, 1, 7, 30, tzinfo=UTC), "01/07/{y} 09:30", "{y}-07-01 09:30"),
        (datetime(COMING_YEAR, 1, 15, 8, 30, tzinfo=UTC), "15/01/{y} 09:30", "{y}-01-15 09:30"),
    ],
)
def test_the_export_writes_times_in_paris_time(organiser, people, moment, french, english):
    registration = db.session.scalar(sa.select(Registration).filter_by(email="helene@example.org"))
    registration.created_at = moment
    registration.confirmed_at = moment
    db.session.commit()
    for language, expected in [("fr", french), ("en", english)]:
        token = csrf_token(organiser, f"{LIST}?lang={language}")
        response = organiser.post(
            EXPORT,
            data={
                "csrf_token": token,
                "columns": ["created_at", "confirmed_at"],
                "status": "confirmed",
            },
        )
        value = expected.format(y=COMING_YEAR)
        assert _csv(response)[1] == [value, value], language


def test_the_export_across_the_change_to_winter_time(organiser, people):
    # The last Sunday of October: 00:30 UTC is 02:30 summer time, 01:30 UTC is 02:30 winter time.
    last_sunday = max(
        datetime(COMING_YEAR, 10, day, tzinfo=UTC)
        for day in range(25, 32)
        if datetime(COMING_YEAR, 10, day).weekday() == 6
    )
    registration = db.session.scalar(sa.select(Registration).filter_by(email="helene@example.org"))
    registration.created_at = last_sunday.replace(hour=0, minute=30)
    registration.confirmed_at = last_sunday.replace(hour=1, minute=30)
    db.session.commit()
    rows = _csv(_export(organiser, columns=["created_at", "confirmed_at"], status="confirmed"))
    day = last_sunday.strftime("%Y-%m-%d")
    assert rows[1] == [f"{day} 02:30", f"{day} 02:30"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_export_still_disarms_formulas(organiser, people, start):
    registration = db.session.scalar(sa.select(Registration).filter_by(email="helene@example.org"))
    registration.organisation = f'{start}HYPERLINK("http://evil.example")'
    registration.last_name = f"{start}1+1"
    db.session.commit()
    rows = _csv(_export(organiser, columns=["last_name", "organisation"], status="confirmed"))
    assert rows[1] == [f"'{start}1+1", f'\'{start}HYPERLINK("http://evil.example")']


def test_every_column_has_a_label_in_both_languages(app):
    with app.test_request_context():
        for language in ("en", "fr"):
            with force_locale(language):
                labels = [
                    str(registrations.EXPORT_COLUMN_LABELS[name])
                    for name in registrations.EXPORT_COLUMNS
                ]
            assert len(set(labels)) == len(labels), language
    assert set(registrations.DEFAULT_EXPORT_COLUMNS) <= set(registrations.EXPORT_COLUMNS)
    assert "token_hash" not in registrations.EXPORT_COLUMNS


def test_the_export_form_ticks_the_default_columns(organiser, people):
    html = organiser.get(LIST).get_data(as_text=True)
    export = html.split('class="registration-export"')[1].split("</form>")[0]
    ticked = re.findall(
        r'<input checked id="[^"]+" name="columns" type="checkbox" value="(\w+)">', export
    )
    assert ticked == list(registrations.DEFAULT_EXPORT_COLUMNS)
    assert 'name="columns"' in export and 'value="dietary_requirements"' in export
    assert "The file holds the 5 registrations selected above, every page included." in export


# --- The audit log -----------------------------------------------------------------------------


def test_the_export_is_logged_with_its_filters_and_count_but_no_search_text(organiser, people):
    response = _export(
        organiser,
        q="Hélène",
        status="confirmed",
        type="research",
        language="fr",
        needs="accessibility",
        sort="name",
        columns=["email", "last_name"],
    )
    assert len(_csv(response)) == 2
    [entry] = _audit_entries()
    assert entry.action == "registrations.export"
    assert entry.target == f"edition:{COMING_YEAR}"
    assert entry.details == {
        "rows": 1,
        "filters": {
            "search": True,
            "status": "confirmed",
            "type": "research",
            "language": "fr",
            "needs": "accessibility",
        },
        "columns": ["last_name", "email"],
    }
    text = str(entry.details).lower()
    assert "hél" not in text and "hel" not in text and "@" not in text and "dupont" not in text


def test_an_export_without_filters_logs_no_filter(organiser, people):
    _export(organiser)
    [entry] = _audit_entries()
    assert entry.details["filters"] == {}
    assert entry.details["rows"] == 5


# --- Pages and queries ---------------------------------------------------------------------------


def test_the_pages_keep_the_filters(app, organiser):
    edition = make_edition(COMING_YEAR, capacity=500)
    for number in range(105):
        make_registration(edition, f"person{number}@example.org", last_name=f"Pérson{number:03}")
    make_registration(edition, "other@example.org", last_name="Other")
    html = organiser.get(f"{LIST}?q=person&sort=newest&status=unconfirmed").get_data(as_text=True)
    assert "Registrations found: 105 · page 1 of 2" in html
    link = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    for part in ("q=person", "sort=newest", "status=unconfirmed", "page=2"):
        assert part in link, part
    second = _names(organiser, link.split(LIST)[1])
    assert second == ["Pérson004", "Pérson003", "Pérson002", "Pérson001", "Pérson000"]


def _waitlisted_people(edition, numbers):
    """Registrations numbered ``numbers``: the first ever confirmed, the others waitlisted."""
    for number in numbers:
        make_registration(
            edition,
            f"person{number}@example.org",
            confirm=True,
            last_name=f"Person{number:03}",
            accessibility_needs="Rampe",
        )


@pytest.mark.parametrize("query", ["", "?q=person&type=ngo&needs=accessibility&sort=name"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_list_runs_a_fixed_number_of_queries(app, organiser, count_queries, query, language):
    edition = make_edition(COMING_YEAR, capacity=1)
    url = f"{LIST}{query}{'&' if query else '?'}lang={language}"
    counts = []
    for numbers in (range(2), range(2, 22)):
        _waitlisted_people(edition, numbers)
        organiser.get(url)
        with count_queries() as queries:
            response = organiser.get(url)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('<th scope="row">') == numbers.stop
        counts.append(len(queries))
    # The account, the edition, the counts, the page's total and rows, the places in line.
    assert counts == [6, 6]
