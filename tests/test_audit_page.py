"""The audit page in the organisers' words: labels, links, filters; and the editions' entries."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from colloquium.audit import labels
from colloquium.audit import services as audit
from colloquium.audit.models import AuditEntry
from colloquium.clock import local_today
from colloquium.extensions import db
from tests.factories import (
    COMING_YEAR,
    DEFAULT_PASSWORD,
    NEXT_YEAR,
    PAST_YEAR,
    make_edition,
    make_user,
)
from tests.test_browser_accessibility import axe_source as axe_source  # a fixture
from tests.test_browser_accessibility import too_wide, violations
from tests.web import log_in, post_form

NBSP = "\u00a0"
# Every action of the application: its English and French words.
ACTION_WORDS = {
    "registrations.export": ("Registrations exported", "Export des inscriptions"),
    "registrations.add": ("Registration added by hand", "Inscription ajoutée à la main"),
    "registrations.cancel": (
        "Registration cancelled by an organiser",
        "Inscription annulée par un organisateur",
    ),
    "registrations.resend_link": ("Manage link sent again", "Lien de gestion renvoyé"),
    "registrations.confirm_override": (
        "Registration confirmed over capacity",
        "Inscription confirmée au-delà de la jauge",
    ),
    "registrations.confirm_vouched": (
        "Address vouched for and registration confirmed",
        "Adresse garantie et inscription confirmée",
    ),
    "registrations.check_in": ("Attendee checked in", "Arrivée enregistrée"),
    "registrations.undo_check_in": ("Check-in undone", "Arrivée annulée"),
    "messages.send": ("Message sent to attendees", "Message envoyé aux inscrits"),
    "reminders.send": ("Reminders sent", "Rappels envoyés"),
    "mail.retry": ("Mail sent again", "Courriel renvoyé"),
    "programme.publish": ("Programme published", "Programme publié"),
    "programme.unpublish": ("Programme unpublished", "Programme retiré de la publication"),
    "associations.revert": ("Profile change reverted", "Modification de profil annulée"),
    "brochures.upload": ("Brochure uploaded", "Brochure déposée"),
    "brochures.remove": ("Brochure removed", "Brochure retirée"),
    "editions.create": ("Edition created", "Édition créée"),
    "editions.update": ("Edition changed", "Édition modifiée"),
}


@pytest.fixture
def organiser(app):
    return make_user("organiser@example.org", role="organiser")


def _client(app, language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert log_in(client, "organiser@example.org").status_code == 302
    return client


def _table(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True).split("<table")[1].split("</table>")[0]


def _reference(year: int) -> str:
    return f"OCT{year % 100:02d}-7K4QX"


# -- Labels ---------------------------------------------------------------------------------


def test_every_action_of_the_application_has_words():
    assert set(labels.ACTIONS) == set(ACTION_WORDS)


@pytest.mark.parametrize("action", sorted(ACTION_WORDS))
def test_each_action_reads_in_both_languages(app, action):
    english, french = ACTION_WORDS[action]
    with app.test_request_context():
        with force_locale("en"):
            assert labels.action_label(action) == english
        with force_locale("fr"):
            assert labels.action_label(action) == french


def test_an_unknown_action_is_shown_as_its_code(app):
    with app.test_request_context(), force_locale("fr"):
        assert labels.action_label("something.new") == "something.new"


def test_the_page_shows_every_action_in_the_readers_language(app, organiser):
    for action in ACTION_WORDS:
        audit.record(organiser, action, f"edition:{COMING_YEAR}", {})
    db.session.commit()
    for language, index in (("en", 0), ("fr", 1)):
        table = _table(_client(app, language).get("/admin/audit/?page=1"))
        for action, words in ACTION_WORDS.items():
            assert f"<td>{words[index]}</td>" in table, (language, action)
            assert action not in table


# -- Targets and details --------------------------------------------------------------------


def test_targets_read_as_words_and_link_to_their_page(app):
    reference = _reference(COMING_YEAR)
    with app.test_request_context(), force_locale("fr"):
        edition = labels.describe_target(f"edition:{COMING_YEAR}")
        assert edition.label == f"Édition {COMING_YEAR}"
        assert edition.url == f"/admin/registrations/{COMING_YEAR}"
        registration = labels.describe_target(f"registration:{COMING_YEAR}/{reference}")
        assert registration.label == f"Inscription {reference}"
        assert registration.url == f"/admin/registrations/{COMING_YEAR}/{reference}"
        association = labels.describe_target("association:aide-et-refuge")
        assert association.url == "/admin/associations/aide-et-refuge/history"
        assert "aide-et-refuge" in association.label
        assert labels.describe_target("mail:12").label == f"Courriel n°{NBSP}12"
        assert labels.describe_target("mail:12").url == "/admin/mail/"
        assert labels.describe_target("outbox").url == "/admin/mail/"
        assert labels.describe_target("brochure:3").label == f"Brochure n°{NBSP}3"
        assert labels.describe_target("brochure:3").url == "/admin/resources/"
        assert labels.describe_target("other:thing") == labels.Target("other:thing")
        assert labels.describe_target("registration:nonsense").url is None
        assert labels.describe_target("registration:nonsense").label == "Inscription nonsense"


def test_details_read_as_words(app, organiser):
    audit.record(
        organiser,
        "registrations.export",
        f"edition:{COMING_YEAR}",
        {"rows": 5, "filters": {"status": "confirmed", "q": "lyon"}},
    )
    audit.record(
        organiser,
        "editions.update",
        f"edition:{COMING_YEAR}",
        {"fields": ["city", "capacity"], "capacity": {"old": 100, "new": 150}},
    )
    audit.record(organiser, "programme.publish", f"edition:{COMING_YEAR}", {"odd_key": True})
    db.session.commit()
    english = _table(_client(app).get("/admin/audit/"))
    assert "<li>rows: 5</li>" in english
    assert "<li>filters: search: lyon, status: confirmed</li>" in english
    assert "<li>fields changed: city, capacity</li>" in english
    assert "<li>capacity: 100 → 150</li>" in english
    assert "<li>odd_key: yes</li>" in english
    assert f'<a href="/admin/registrations/{COMING_YEAR}">Edition {COMING_YEAR}</a>' in english
    french = _table(_client(app, "fr").get("/admin/audit/"))
    assert f"<li>lignes{NBSP}: 5</li>" in french
    assert f"<li>champs modifiés{NBSP}: ville, jauge</li>" in french
    assert f"filtres{NBSP}: recherche{NBSP}: lyon, statut{NBSP}: confirmed" in french


def test_unusual_details_still_read(app):
    with app.test_request_context(), force_locale("en"):
        assert labels.describe_details("x", [1, 2]) == [("details", "1, 2")]
        assert labels.describe_details("x", {"new_key": None, "rows": 0}) == [
            ("new_key", "—"),
            ("rows", "0"),
        ]


def test_the_lead_says_what_is_logged(app, organiser):
    page = _client(app).get("/admin/audit/").get_data(as_text=True)
    assert "Every organiser action on personal data or on what is published" in page


# -- Filters --------------------------------------------------------------------------------


@pytest.fixture
def log(app, organiser):
    """Entries of two actions on three Paris days of January of the coming year."""
    moments = {
        # 23:30 UTC on the 14th is 00:30 on the 15th in Paris (winter time).
        "late": datetime(COMING_YEAR, 1, 14, 23, 30, tzinfo=UTC),
        "early": datetime(COMING_YEAR, 1, 14, 10, 0, tzinfo=UTC),
        "later": datetime(COMING_YEAR, 1, 16, 10, 0, tzinfo=UTC),
    }
    for name, moment in moments.items():
        for action in ("registrations.export", "programme.publish"):
            entry = audit.record(organiser, action, f"edition:{COMING_YEAR}", {"rows": 1})
            entry.created_at = moment
            entry.details = {"count": len(name)}
    db.session.commit()
    return moments


def _counts(table: str) -> list[int]:
    return sorted(int(part.split("</li>")[0]) for part in table.split("<li>count: ")[1:])


def test_filter_by_action(app, log):
    table = _table(_client(app).get("/admin/audit/?action=programme.publish"))
    assert table.count('<th scope="row">') == 3
    assert "Registrations exported" not in table


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"from={COMING_YEAR}-01-15&to={COMING_YEAR}-01-15", [4]),  # "late", in Paris time
        (f"from={COMING_YEAR}-01-14&to={COMING_YEAR}-01-14", [5]),
        (f"from={COMING_YEAR}-01-15", [4, 5]),
        (f"to={COMING_YEAR}-01-15", [4, 5]),
        (f"from={COMING_YEAR}-01-14&to={COMING_YEAR}-01-16", [4, 5, 5]),
    ],
)
def test_filter_by_paris_days(app, log, query, expected):
    table = _table(_client(app).get(f"/admin/audit/?action=registrations.export&{query}"))
    assert _counts(table) == expected


WRONG_DATE = "Enter a date as year-month-day; this one is ignored."


@pytest.mark.parametrize(
    ("query", "message", "shown"),
    [
        ("action=registrations.explode", "Choose an action from the list; this one is ignored.", 6),
        ("from=yesterday", WRONG_DATE, 6),
        (f"to={COMING_YEAR}-13-45", WRONG_DATE, 6),
        ("from=9999-12-31", WRONG_DATE, 6),
        ("from=%00", "Remove the control characters", 6),
        # The first day is right: only the wrong end is ignored.
        (
            f"from={COMING_YEAR}-01-16&to={COMING_YEAR}-01-14",
            "This day is before the first one; it is ignored.",
            2,
        ),
    ],
)
def test_a_wrong_filter_is_ignored_and_said_so(app, log, query, message, shown):
    response = _client(app).get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-message"' in html
    assert _table(response).count('<th scope="row">') == shown


def test_the_filter_form_shows_the_known_actions_and_keeps_the_values(app, log):
    html = _client(app, "fr").get(f"/admin/audit/?action=mail.retry&from={COMING_YEAR}-01-15")
    page = html.get_data(as_text=True)
    assert '<label for="action">Action</label>' in page
    assert '<option selected value="mail.retry">Courriel renvoyé</option>' in page
    assert f'value="{COMING_YEAR}-01-15"' in page
    assert 'type="date"' in page
    assert "Aucune entrée ne correspond à ces filtres." in page


def test_the_pages_keep_the_filters(app, organiser):
    for number in range(55):
        audit.record(organiser, "messages.send", f"edition:{COMING_YEAR}", {"recipients": number})
    audit.record(organiser, "registrations.export", f"edition:{COMING_YEAR}", {"rows": 1})
    db.session.commit()
    today = local_today().isoformat()
    client = _client(app)
    first = client.get(f"/admin/audit/?action=messages.send&to={today}").get_data(as_text=True)
    assert "page 1 of 2" in first
    assert f'href="/admin/audit/?page=2&amp;action=messages.send&amp;to={today}"' in first
    second = client.get(f"/admin/audit/?page=2&action=messages.send&to={today}")
    assert _table(second).count('<th scope="row">') == 5


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
def test_the_filtered_page_runs_a_fixed_number_of_queries(
    app, organiser, count_queries, count, language
):
    reference = _reference(COMING_YEAR)
    targets = ["edition:{year}", "registration:{year}/" + reference, "association:alpha"]
    for number in range(count):
        target = targets[number % 3].format(year=COMING_YEAR)
        audit.record(organiser, "registrations.export", target, {"rows": number, "filters": {}})
    db.session.commit()
    client = _client(app, language)
    url = f"/admin/audit/?lang={language}&action=registrations.export&from={PAST_YEAR}-01-01"
    client.get(url)
    with count_queries() as queries:
        table = _table(client.get(url))
    assert table.count('<th scope="row">') == count
    # The account, the total, the page's rows.
    assert len(queries) == 3, queries


# -- Editions are audit-logged --------------------------------------------------------------


def _edition_form(year: int, **values) -> dict:
    return {
        "date": f"{year}-10-17",
        "title_fr": "",
        "title_en": "",
        "theme_fr": "",
        "theme_en": "",
        "venue_name": "Maison de la Mutualité",
        "venue_address": "24 rue Saint-Victor",
        "city": "Paris",
        "capacity": "100",
        "registration_opens_at": f"{year}-06-01T09:00",
        "registration_closes_at": f"{year}-10-16T23:59",
        **values,
    }


def _entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_creating_an_edition_is_audit_logged(app, organiser):
    make_edition(COMING_YEAR)
    client = _client(app)
    data = {**_edition_form(NEXT_YEAR, capacity="250"), "year": str(NEXT_YEAR), "copy_rooms": "y"}
    assert post_form(client, "/admin/editions/new", data).status_code == 302
    [entry] = _entries()
    assert (entry.action, entry.target) == ("editions.create", f"edition:{NEXT_YEAR}")
    assert entry.details == {"capacity": 250, "rooms_copied": True}
    assert entry.actor_email == "organiser@example.org"


def test_a_refused_edition_logs_nothing(app, organiser):
    make_edition(COMING_YEAR)
    client = _client(app)
    data = {**_edition_form(COMING_YEAR), "year": str(COMING_YEAR)}
    assert post_form(client, "/admin/editions/new", data).status_code == 200
    assert _entries() == []


def test_changing_an_edition_logs_the_names_of_the_fields_and_the_capacity(app, organiser):
    make_edition(
        COMING_YEAR,
        capacity=100,
        venue_name="Maison de la Mutualité",
        venue_address="24 rue Saint-Victor",
        city="Paris",
    )
    client = _client(app)
    url = f"/admin/editions/{COMING_YEAR}"
    form = _edition_form(COMING_YEAR, city="Lyon", capacity="150", theme_fr="Un thème secret")
    assert post_form(client, url, form).status_code == 302
    [entry] = _entries()
    assert (entry.action, entry.target) == ("editions.update", f"edition:{COMING_YEAR}")
    assert entry.details["capacity"] == {"old": 100, "new": 150}
    assert set(entry.details["fields"]) >= {"theme_fr", "city", "capacity"}
    assert "Lyon" not in str(entry.details) and "secret" not in str(entry.details)
    # Saving it again as it is changes nothing and logs nothing.
    assert post_form(client, url, form).status_code == 302
    assert len(_entries()) == 1


# -- On a phone -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_audit_page_fits_a_phone_and_passes_axe(app, organiser, page, axe_source, language):
    details = {"rows": 12, "filters": {"status": "confirmed", "q": "x" * 60}, "columns": ["a"] * 9}
    for action in ACTION_WORDS:
        target = f"registration:{COMING_YEAR}/{_reference(COMING_YEAR)}"
        audit.record(organiser, action, target, details)
    audit.record(organiser, "associations.revert", "association:" + "long-slug-" * 8, {})
    db.session.commit()
    db.session.rollback()  # end the read, so that the live server can write its session
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/login?lang={language}")
    page.fill("input[name=email]", "organiser@example.org")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.goto("/admin/audit/?action=nothing&from=never")
    assert page.locator(".error-message").count() == 2
    assert too_wide(page, 390) == []
    assert violations(page, axe_source) == []
