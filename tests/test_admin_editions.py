"""The editions' back-office pages: the rules of ``flask edition``, and the back office's menu."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.programme.models import Room
from colloquium.registration.models import CONFIRMED, WAITLISTED, Registration
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    PAST_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_room,
    make_user,
)
from tests.web import log_in, post_form

EDITION_URLS = ["/admin/editions/", "/admin/editions/new", f"/admin/editions/{COMING_YEAR}"]


@pytest.fixture
def organiser(app):
    """A committed organiser account."""
    user = make_user("boss@example.org", role="organiser")
    db.session.commit()
    return user


def _organiser_client(app):
    client = app.test_client()
    assert log_in(client, "boss@example.org").status_code == 302
    return client


def _edition(year: int) -> Edition:
    db.session.expire_all()
    return db.session.scalar(sa.select(Edition).where(Edition.year == year))


def _form(year: int, **values) -> dict:
    """Every field of the edition form, as a browser sends it."""
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


@pytest.mark.parametrize("url", EDITION_URLS)
@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("editor", 404), ("organiser", 200)]
)
def test_only_organisers_open_the_edition_pages(app, organiser, url, who, expected):
    make_edition(COMING_YEAR)
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    db.session.commit()
    client = app.test_client()
    if who != "anonymous":
        assert log_in(client, f"{'boss' if who == 'organiser' else who}@example.org").status_code
    response = client.get(url)
    assert response.status_code == expected
    if who == "anonymous":
        assert "/login?next=" in response.headers["Location"]
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_no_one_but_an_organiser_changes_an_edition(app, organiser, who):
    make_edition(COMING_YEAR, capacity=10)
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    db.session.commit()
    client = app.test_client()
    if who == "editor":
        log_in(client, "editor@example.org")
    form = _form(COMING_YEAR, capacity="99")
    client.post(f"/admin/editions/{COMING_YEAR}", data=form)
    client.post("/admin/editions/new", data={**_form(NEXT_YEAR), "year": str(NEXT_YEAR)})
    assert _edition(COMING_YEAR).capacity == 10
    assert _edition(NEXT_YEAR) is None


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/editions/", 3),  # the user, the editions, the current edition
        ("/admin/editions/new", 2),  # the user, the latest edition
        (f"/admin/editions/{COMING_YEAR}", 2),  # the user, the edition
    ],
)
def test_the_edition_pages_run_a_fixed_number_of_queries(
    app, organiser, count_queries, url, expected, count, language
):
    for offset in range(count):
        make_edition(COMING_YEAR + 3 * offset)
    client = _organiser_client(app)
    with count_queries() as queries:
        page = client.get(f"{url}?lang={language}")
    assert page.status_code == 200
    assert len(queries) == expected, queries


def test_the_new_edition_is_prefilled_from_the_latest_and_copies_its_rooms(app, organiser):
    latest = make_edition(COMING_YEAR, capacity=321, venue_name="Hôtel de Ville", city="Paris")
    make_room(latest, "Salle Olympe de Gouges", seats=80)
    make_edition(PAST_YEAR, capacity=5, registration_opens_at=datetime(PAST_YEAR, 9, 1, tzinfo=UTC))
    db.session.commit()
    client = _organiser_client(app)
    html = client.get("/admin/editions/new?lang=en").get_data(as_text=True)
    assert f'value="{NEXT_YEAR}"' in html and f'value="{NEXT_YEAR}-10-17"' in html
    assert 'value="321"' in html and 'value="Hôtel de Ville"' in html
    response = post_form(
        client,
        "/admin/editions/new",
        {**_form(NEXT_YEAR, capacity="400"), "year": str(NEXT_YEAR), "copy_rooms": "y"},
    )
    assert response.status_code == 302
    created = _edition(NEXT_YEAR)
    assert created.capacity == 400 and created.venue_name == "Maison de la Mutualité"
    rooms = db.session.scalars(sa.select(Room).where(Room.edition_id == created.id)).all()
    assert [(room.name, room.seats) for room in rooms] == [("Salle Olympe de Gouges", 80)]


def test_without_the_box_no_room_is_copied(app, organiser):
    make_room(make_edition(COMING_YEAR), "Salle A")
    db.session.commit()
    client = _organiser_client(app)
    post_form(client, "/admin/editions/new", {**_form(NEXT_YEAR), "year": str(NEXT_YEAR)})
    created = _edition(NEXT_YEAR)
    assert created is not None
    assert (
        db.session.scalar(sa.select(sa.func.count(Room.id)).filter_by(edition_id=created.id)) == 0
    )


def test_the_registration_window_is_read_in_paris_time(app, organiser):
    make_edition(COMING_YEAR)
    client = _organiser_client(app)
    form = _form(COMING_YEAR, registration_opens_at=f"{COMING_YEAR}-09-01T09:00")
    assert post_form(client, f"/admin/editions/{COMING_YEAR}", form).status_code == 302
    edition = _edition(COMING_YEAR)
    # Paris is two hours ahead of UTC in September (summer time).
    assert edition.registration_opens_at == datetime(COMING_YEAR, 9, 1, 7, 0, tzinfo=UTC)
    html = client.get(f"/admin/editions/{COMING_YEAR}").get_data(as_text=True)
    assert f'value="{COMING_YEAR}-09-01T09:00"' in html


def _cli_error(runner, *args) -> str:
    result = runner.invoke(args=["edition", *args])
    assert result.exit_code != 0
    return result.output.strip().removeprefix("Error: ")


@pytest.mark.parametrize(
    ("year", "values", "field", "cli"),
    [
        (
            COMING_YEAR,
            {"capacity": "100001"},
            "capacity",
            ["create", str(COMING_YEAR + 5), "--capacity", "100001"],
        ),
        (
            None,
            {"date": f"{NEXT_YEAR}-10-17"},
            "date",
            ["create", str(COMING_YEAR + 5), "--date", f"{NEXT_YEAR + 5}-10-17"],
        ),
        (None, {"year": str(COMING_YEAR)}, "year", ["create", str(COMING_YEAR)]),
    ],
)
def test_creating_refuses_what_the_cli_refuses_next_to_the_field(
    app, runner, organiser, year, values, field, cli
):
    make_edition(COMING_YEAR)
    client = _organiser_client(app)
    data = {**_form(COMING_YEAR + 5), "year": str(COMING_YEAR + 5), **values}
    response = post_form(client, "/admin/editions/new?lang=en", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = _cli_error(runner, *cli)
    assert f'<p class="error-message" id="{field}-error">{message}</p>' in html.replace(
        "&#34;", '"'
    )
    assert 'value="Maison de la Mutualité"' in html  # what was typed is kept
    assert _edition(COMING_YEAR + 5) is None


def test_a_capacity_below_the_seats_taken_is_refused_as_by_the_cli(app, runner, organiser):
    edition = make_edition(COMING_YEAR, capacity=5)
    for name in ("ada", "bob"):
        make_registration(edition, f"{name}@example.org", confirm=True)
    db.session.commit()
    client = _organiser_client(app)
    form = _form(COMING_YEAR, capacity="1", city="Lyon")
    html = post_form(client, f"/admin/editions/{COMING_YEAR}?lang=en", form).get_data(as_text=True)
    message = _cli_error(runner, "update", str(COMING_YEAR), "--capacity", "1")
    assert message == "The capacity cannot be lower than the 2 seats already taken."
    assert f'id="capacity-error">{message}</p>' in html
    assert 'value="Lyon"' in html
    assert _edition(COMING_YEAR).capacity == 5 and _edition(COMING_YEAR).city == ""


def test_closing_after_the_colloquium_is_refused_next_to_the_field(app, organiser):
    make_edition(COMING_YEAR)
    client = _organiser_client(app)
    form = _form(COMING_YEAR, registration_closes_at=f"{COMING_YEAR}-10-18T09:00")
    html = post_form(client, f"/admin/editions/{COMING_YEAR}?lang=en", form).get_data(as_text=True)
    assert (
        'id="registration_closes_at-error">Registration cannot close after the colloquium '
        "has taken place.</p>" in html
    )


def test_raising_the_capacity_promotes_the_waiting_list(app, organiser):
    edition = make_edition(COMING_YEAR, capacity=1)
    for name in ("ada", "bob", "cyd"):
        make_registration(edition, f"{name}@example.org", confirm=True)
    db.session.commit()
    statuses = lambda: dict(  # noqa: E731
        db.session.execute(sa.select(Registration.email, Registration.status)).all()
    )
    assert list(statuses().values()).count(WAITLISTED) == 2
    client = _organiser_client(app)
    response = post_form(client, f"/admin/editions/{COMING_YEAR}", _form(COMING_YEAR, capacity="2"))
    assert response.status_code == 302
    db.session.expire_all()
    # First come, first served: Bob was waiting before Cyd.
    assert statuses() == {
        "ada@example.org": CONFIRMED,
        "bob@example.org": CONFIRMED,
        "cyd@example.org": WAITLISTED,
    }
    assert _edition(COMING_YEAR).seats_taken == 2


def test_the_programme_pages_link_to_the_new_edition_form(app, organiser):
    client = _organiser_client(app)
    assert 'href="/admin/editions/new"' in client.get("/admin/programme/").get_data(as_text=True)
    make_edition(COMING_YEAR)
    html = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert 'href="/admin/editions/new">Create the next edition</a>' in html
    assert "flask edition create" not in html


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("/admin/", "/admin/"),
        ("/admin/editions/new", "/admin/editions/"),
        (f"/admin/editions/{COMING_YEAR}", "/admin/editions/"),
        ("/admin/programme/", "/admin/programme/"),
        (f"/admin/registrations/{COMING_YEAR}", "/admin/registrations/"),
        ("/admin/check-in/", "/admin/check-in/"),
        (f"/admin/badges/{COMING_YEAR}", "/admin/badges/"),
        ("/admin/associations/", "/admin/associations/"),
        ("/admin/users/invite", "/admin/users/"),
        ("/admin/audit/", "/admin/audit/"),
        (f"/admin/messages/{COMING_YEAR}", "/admin/messages/"),
        ("/admin/mail/", "/admin/mail/"),
        ("/admin/resources/", "/admin/resources/"),
    ],
)
def test_every_back_office_page_has_its_menu_with_its_section_marked(app, organiser, url, section):
    make_edition(COMING_YEAR)
    client = _organiser_client(app)
    html = client.get(url).get_data(as_text=True)
    menu = html.split('<nav class="admin-nav"', 1)[1].split("</nav>", 1)[0]
    assert menu.count("<li>") == 12
    assert menu.count('aria-current="page"') == 1
    assert f'href="{section}" aria-current="page"' in menu
