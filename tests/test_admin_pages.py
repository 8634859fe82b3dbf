"""Back-office and account pages: what they show, and a fixed number of queries each."""

import pytest
import sqlalchemy as sa

from colloquium.accounts.models import User
from colloquium.associations.models import Association
from colloquium.extensions import db
from tests.factories import make_association, make_user
from tests.web import csrf_token, log_in, post_form


def _members(count):
    for number in range(count):
        association = make_association(f"membre-{number}", f"Membre {number}")
        make_user(f"ed{number}@example.org", association=association)


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/", 6),  # the user, members, accounts, no edition (two looks), the outbox
        ("/admin/associations/", 3),  # the user, the associations, their editors
        ("/admin/users/", 2),  # the user, the accounts with their associations
        ("/admin/users/invite", 2),  # the user, the associations to choose from
        ("/admin/associations/membre-0/invite", 3),  # the user, the association, its areas
        ("/associations/membre-0/edit", 3),  # the user, the association, its areas
    ],
)
def test_back_office_pages_run_a_fixed_number_of_queries(
    client, count_queries, url, expected, count
):
    _members(count)
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    with count_queries() as queries:
        page = client.get(url)
    assert page.status_code == 200
    assert len(queries) == expected, queries


@pytest.mark.parametrize("url", ["/login", "/password/reset"])
def test_account_pages_run_no_query_for_visitors(client, count_queries, url):
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 0, queries


def test_the_users_page_lists_every_account_with_its_state(client):
    association = make_association("alpha", "Alpha")
    make_user("boss@example.org", role="organiser")
    make_user("ed@example.org", association=association)
    make_user("gone@example.org", association=association, is_active=False)
    make_user("new@example.org", association=association, password=None)
    log_in(client, "boss@example.org")
    html = client.get("/admin/users/?lang=en").get_data(as_text=True)
    assert "Editor of Alpha" in html
    assert "Deactivated" in html and "Invited" in html
    assert html.count("/deactivate") == 2  # not for oneself, nor for the deactivated one


def test_an_organiser_cannot_deactivate_themselves(client):
    boss = make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = post_form(client, f"/admin/users/{boss.id}/deactivate", {}, form_url="/admin/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, boss.id).is_active


def test_deactivating_an_editor_ends_their_session(app, client):
    association = make_association("alpha", "Alpha")
    editor = make_user("ed@example.org", association=association)
    make_user("boss@example.org", role="organiser")
    editor_client = app.test_client()
    log_in(editor_client, "ed@example.org")
    assert editor_client.get("/associations/alpha/edit").status_code == 200
    log_in(client, "boss@example.org")
    post_form(client, f"/admin/users/{editor.id}/deactivate", {}, form_url="/admin/")
    assert editor_client.get("/associations/alpha/edit").status_code == 302


def test_an_organiser_creates_and_archives_a_member(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = post_form(
        client,
        "/admin/associations/new",
        {
            "slug": "nouvelle-voie",
            "name": "Nouvelle Voie",
            "city": "Caen",
            "country": "France",
            "areas": "research",
        },
    )
    assert response.status_code == 302
    assert client.get("/associations/nouvelle-voie").status_code == 200
    again = post_form(
        client, "/admin/associations/new?lang=en", {"slug": "nouvelle-voie", "name": "Autre"}
    )
    assert "Another association already uses this short name." in again.get_data(as_text=True)
    bad = post_form(client, "/admin/associations/new?lang=en", {"slug": "Pas Bon", "name": "X"})
    assert 'id="slug-error"' in bad.get_data(as_text=True)
    post_form(client, "/admin/associations/nouvelle-voie/archive", {}, form_url="/admin/")
    assert client.get("/associations/nouvelle-voie").status_code == 404
    assert "Nouvelle Voie" not in client.get("/associations").get_data(as_text=True)
    # Archived members stay editable by organisers, and can come back.
    assert client.get("/associations/nouvelle-voie/edit").status_code == 200
    saved = post_form(
        client,
        "/associations/nouvelle-voie/edit",
        {"name": "Nouvelle Voie", "city": "Rouen", "country": "France", "areas": "research"},
    )
    assert saved.headers["Location"] == "/admin/associations/#nouvelle-voie"
    post_form(client, "/admin/associations/nouvelle-voie/restore", {}, form_url="/admin/")
    assert client.get("/associations/nouvelle-voie").status_code == 200
    association = db.session.scalar(sa.select(Association).filter_by(slug="nouvelle-voie"))
    assert [sorted(r.changes) for r in association.revisions][:3] == [
        ["is_member"],
        ["city"],
        ["is_member"],
    ]


def test_logged_in_header_shows_logout_as_a_form(client):
    make_user("boss@example.org", role="organiser")
    assert 'href="/login"' in client.get("/").get_data(as_text=True)
    log_in(client, "boss@example.org")
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<form method="post" action="/logout">' in html
    assert 'href="/admin/"' in html
    assert csrf_token(client, "/")


def test_a_revision_of_another_association_or_an_unknown_user_is_not_found(client):
    from colloquium.associations import services
    from colloquium.associations.services import ProfileValues

    alpha = make_association("alpha", "Alpha")
    make_association("beta", "Beta")
    revision = services.update_profile(alpha, ProfileValues(city="Metz"), notify=False)
    db.session.commit()
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    wrong = post_form(
        client, f"/admin/associations/beta/revisions/{revision.id}/revert", {}, form_url="/admin/"
    )
    assert wrong.status_code == 404
    assert client.get("/admin/associations/nope/history").status_code == 404
    assert post_form(
        client, "/admin/users/9999/deactivate", {}, form_url="/admin/"
    ).status_code == (404)
    db.session.expire_all()
    assert db.session.get(Association, alpha.id).city == "Metz"


def test_a_csrf_failure_on_the_profile_form_keeps_what_was_typed(client):
    association = make_association("alpha", "Alpha", city="Lyon")
    make_user("ed@example.org", association=association)
    log_in(client, "ed@example.org")
    response = client.post(
        "/associations/alpha/edit?lang=en",
        data={"name": "Alpha typed", "city": "Metz", "csrf_token": "stale"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Alpha typed"' in html and 'value="Metz"' in html
    assert "The form had expired" in html
    db.session.expire_all()
    assert db.session.get(Association, association.id).name == "Alpha"
