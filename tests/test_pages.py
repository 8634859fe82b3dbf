"""The public frame and pages: home, about, resources, privacy, health, errors."""

from datetime import date

import pytest
import sqlalchemy as sa

from colloquium.editions import services
from colloquium.extensions import db
from tests.factories import COMING_YEAR, NEXT_YEAR, make_edition

PAGES = ["/", "/about", "/resources", "/privacy"]
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_answer_in_both_languages(client, url, lang):
    make_edition(COMING_YEAR)
    response = client.get(url, query_string={"lang": lang})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert 'href="#main"' in html  # skip link
    assert 'href="/privacy' in html  # footer


def test_home_shows_the_current_edition(client):
    make_edition(
        COMING_YEAR,
        capacity=120,
        venue_name="Halle aux grains",
        city="Toulouse",
        theme="Protéger les mineurs",
    )
    html = client.get("/?lang=fr").get_data(as_text=True)
    day = date(COMING_YEAR, 10, 17).weekday()
    assert f"{JOURS[day]} 17 octobre {COMING_YEAR}" in html
    assert "Halle aux grains" in html and "Toulouse" in html
    assert "Protéger les mineurs" in html
    assert "120 places restantes sur 120" in html
    assert 'href="/register"' in html
    html = client.get("/?lang=en").get_data(as_text=True)
    assert f"{DAYS[day]} 17 October {COMING_YEAR}" in html
    assert "120 seats left of 120" in html


def test_home_links_to_the_programme_once_published(client):
    edition = make_edition(COMING_YEAR)
    assert 'class="button" href="/programme"' not in client.get("/").get_data(as_text=True)
    services.update_edition(edition, services.EditionChanges(publish_programme=True))
    db.session.commit()
    assert 'class="button" href="/programme"' in client.get("/").get_data(as_text=True)


def test_home_without_any_edition(client):
    response = client.get("/?lang=en")
    assert response.status_code == 200
    assert "has not been announced yet" in response.get_data(as_text=True)


def test_home_when_registration_is_closed(client):
    from datetime import UTC, datetime, timedelta

    edition = make_edition(COMING_YEAR)
    edition.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    edition.registration_opens_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Registration is closed." in html
    assert 'class="button button-primary" href="/register"' not in html  # the menu keeps its link


def test_home_runs_a_fixed_number_of_queries(client, count_queries):
    make_edition(COMING_YEAR)
    make_edition(NEXT_YEAR)
    with count_queries() as queries:
        assert client.get("/").status_code == 200
    assert len(queries) == 1, queries


def test_language_choice_is_remembered_in_a_cookie(client):
    response = client.get("/about?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/about").get_data(as_text=True)


def test_accept_language_then_french_by_default(client):
    assert '<html lang="fr">' in client.get("/about").get_data(as_text=True)
    html = client.get("/about", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in html
    html = client.get("/about", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_an_unknown_language_is_ignored(client):
    response = client.get("/about?lang=xx")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_language_switch_keeps_the_query_string(client):
    html = client.get("/about?lang=fr&x=1").get_data(as_text=True)
    assert 'href="/about?lang=en&amp;x=1"' in html


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://colloquium.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_assets_are_served_by_the_app(client):
    html = client.get("/").get_data(as_text=True)
    assert "//cdn" not in html and "https://" not in html.split("<main")[0]
    with client.get("/static/css/site.css") as response:
        assert response.status_code == 200


def test_not_found_page_is_in_the_frame(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and 'class="site-header"' in html
    response = client.get("/no-such-page?lang=fr")
    assert "Page introuvable" in response.get_data(as_text=True)


def test_method_not_allowed_page(client):
    response = client.post("/about")
    assert response.status_code == 405
    assert 'class="site-header"' in response.get_data(as_text=True)


def test_an_unexpected_error_shows_no_stack_trace(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret detail" not in html and "Traceback" not in html


def test_forbidden_page(make_app):
    from flask import abort

    app = make_app()

    @app.get("/secret")
    def secret():
        abort(403)

    response = app.test_client().get("/secret?lang=en")
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"


def test_healthz_reports_a_database_that_does_not_answer(make_app, tmp_path):
    app = make_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"},
        create_schema=False,
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_about_and_resources_say_what_they_must(client):
    about = client.get("/about?lang=en").get_data(as_text=True)
    assert "2008" in about and "26" in about and "17 October" in about
    resources = client.get("/resources?lang=en").get_data(as_text=True)
    for text in ("Palermo", "Warsaw", "1949", "CEDAW", "Rights of the Child"):
        assert text in resources


def test_privacy_states_the_retention_period(make_app):
    app = make_app({"RETENTION_DAYS": 45})
    html = app.test_client().get("/privacy?lang=en").get_data(as_text=True)
    assert "45" in html


def test_the_database_is_reachable_from_tests(app):
    assert db.session.scalar(sa.text("SELECT 1")) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    # The cached pages read the content version first.
    [("/about", 1), ("/resources", 2), ("/privacy", 0), ("/no-such-page", 0)],
)
def test_static_pages_run_a_fixed_number_of_queries(client, count_queries, url, expected):
    make_edition(COMING_YEAR)
    with count_queries() as queries:
        client.get(url)
    assert len(queries) == expected, queries  # /resources lists the brochures


def test_a_form_without_its_token_gets_the_framed_error_page(client):
    response = client.post("/logout?lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form had expired" in html and 'class="site-header"' in html
