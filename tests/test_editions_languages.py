"""The edition's title and theme and the brochures' texts, in French and in English: pages,
forms, open data, mail in the attendee's language, and the migration that made them."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from colloquium.editions.services import get_edition
from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from colloquium.programme import services as programme
from colloquium.registration import messages
from colloquium.resources import services as brochures
from colloquium.resources.demo import draw_brochure
from colloquium.resources.models import Brochure
from colloquium.resources.services import BrochureUpload
from tests.factories import COMING_YEAR, NEXT_YEAR, make_edition, make_registration, make_user
from tests.web import csrf_token, log_in, post_form, written_mail

ORGANISER = "organiser@example.org"
MIGRATION = "0014"


@pytest.fixture
def organiser(app, client):
    make_user(ORGANISER, role="organiser")
    db.session.commit()
    assert log_in(client, ORGANISER).status_code == 302
    return client


def _brochure(title_fr="", title_en="", description_fr="", description_en=""):
    upload = BrochureUpload(
        title_fr, title_en, description_fr, description_en, "x.pdf", draw_brochure([["Guide"]])
    )
    brochure = brochures.add_brochure(upload, None)
    db.session.commit()
    return brochure


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# -- Pages ------------------------------------------------------------------------------------


def test_the_home_page_shows_the_title_and_theme_in_its_language(client):
    make_edition(
        COMING_YEAR,
        title_fr="Protéger les mineurs",
        title_en="Protecting minors",
        theme_fr="Dix ans d\u2019action",
        theme_en="Ten years of action",
    )
    french = _html(client, "/?lang=fr")
    assert '<h1 id="edition-title">Protéger les mineurs</h1>' in french
    assert '<p class="lead">Dix ans d\u2019action</p>' in french
    english = _html(client, "/?lang=en")
    assert '<h1 id="edition-title">Protecting minors</h1>' in english
    assert '<p class="lead">Ten years of action</p>' in english
    assert "Protéger" not in english


def test_the_home_page_falls_back_to_the_other_language_with_its_lang(client):
    make_edition(COMING_YEAR, title_fr="Protéger les mineurs", theme_en="Ten years of action")
    english = _html(client, "/?lang=en")
    assert '<h1 id="edition-title"><span lang="fr">Protéger les mineurs</span></h1>' in english
    french = _html(client, "/?lang=fr")
    assert '<p class="lead"><span lang="en">Ten years of action</span></p>' in french
    # The programme's header, published or not, shows the same title.
    assert '<h1><span lang="fr">Protéger les mineurs</span></h1>' in _html(
        client, "/programme?lang=en"
    )


def test_without_a_title_the_page_names_the_colloquium_by_its_date(client):
    make_edition(COMING_YEAR)
    assert f"Colloque du 17 octobre {COMING_YEAR}</h1>" in _html(client, "/?lang=fr")
    assert f"Colloquium of 17 October {COMING_YEAR}</h1>" in _html(client, "/?lang=en")


def test_the_resources_page_shows_the_brochures_in_its_language(client):
    _brochure("Guide de repérage", "Spotting guide", "Pour les équipes.", "For field teams.")
    _brochure(title_fr="Rapport annuel", description_en="Figures of the year.")
    french = _html(client, "/resources?lang=fr")
    assert "Guide de repérage</a></h3>" in french and "<p>Pour les équipes.</p>" in french
    assert '<p><span lang="en">Figures of the year.</span></p>' in french
    english = _html(client, "/resources?lang=en")
    assert "Spotting guide</a></h3>" in english and "<p>For field teams.</p>" in english
    assert '<span lang="fr">Rapport annuel</span></a></h3>' in english
    assert "Guide de repérage" not in english


def test_a_brochure_is_downloaded_under_its_title_in_the_pages_language(client):
    brochure = _brochure("Guide de repérage", "Spotting guide")
    only_french = _brochure("Rapport annuel")
    url = f"/resources/brochures/{brochure.id}"
    assert (
        'filename="Guide de reperage.pdf"'
        in client.get(url + "?lang=fr").headers["Content-Disposition"]
    )
    assert (
        'filename="Spotting guide.pdf"'
        in client.get(url + "?lang=en").headers["Content-Disposition"]
    )
    response = client.get(f"/resources/brochures/{only_french.id}?lang=en")
    assert 'filename="Rapport annuel.pdf"' in response.headers["Content-Disposition"]


# -- Back office ------------------------------------------------------------------------------


def test_the_editions_list_marks_a_missing_language(organiser):
    make_edition(COMING_YEAR, title_fr="Protéger les mineurs")
    make_edition(NEXT_YEAR, title_fr="Protéger", title_en="Protecting")
    html = _html(organiser, "/admin/editions/?lang=en")
    current, following = (
        re.search(rf'<tr id="edition-{year}">(.*?)</tr>', html, re.S).group(1)
        for year in (COMING_YEAR, NEXT_YEAR)
    )
    assert "No English text" in current and "No French text" not in current
    assert "badge-missing" not in following


def test_the_edition_form_has_both_languages_side_by_side(organiser):
    make_edition(COMING_YEAR)
    html = _html(organiser, f"/admin/editions/{COMING_YEAR}?lang=en")
    for name, language in (("title_fr", "fr"), ("title_en", "en")):
        assert re.search(rf'<input[^>]*id="{name}"[^>]*lang="{language}"', html) or re.search(
            rf'<input[^>]*lang="{language}"[^>]*id="{name}"', html
        )
        assert f'<label for="{name}">' in html
    assert html.count('class="language-pair"') == 2
    assert "Title (in French)" in html and "Theme (in English)" in html


def test_the_edition_form_saves_both_languages(organiser):
    make_edition(COMING_YEAR)
    form = {
        "date": f"{COMING_YEAR}-10-17",
        "title_fr": "Protéger les mineurs",
        "title_en": "Protecting minors",
        "theme_fr": "Ligne une\nligne deux",
        "theme_en": "Line one",
        "venue_name": "",
        "venue_address": "",
        "city": "Paris",
        "capacity": "100",
        "registration_opens_at": f"{COMING_YEAR}-06-01T09:00",
        "registration_closes_at": f"{COMING_YEAR}-10-16T23:59",
    }
    assert post_form(organiser, f"/admin/editions/{COMING_YEAR}", form).status_code == 302
    db.session.expire_all()
    saved = get_edition(COMING_YEAR)
    assert (saved.title_fr, saved.title_en) == ("Protéger les mineurs", "Protecting minors")
    assert (saved.theme_fr, saved.theme_en) == ("Ligne une\nligne deux", "Line one")
    too_long = {**form, "title_en": "x" * 201}
    response = post_form(organiser, f"/admin/editions/{COMING_YEAR}?lang=en", too_long)
    assert response.status_code == 200
    assert 'id="title_en-error"' in response.get_data(as_text=True)


def test_a_new_edition_is_prefilled_with_the_latest_ones_texts_in_both_languages(organiser):
    make_edition(
        COMING_YEAR,
        title_fr="Colloque annuel",
        title_en="Annual colloquium",
        theme_fr="Protéger",
        theme_en="Protecting",
    )
    html = _html(organiser, "/admin/editions/new?lang=en")
    assert 'value="Colloque annuel"' in html and 'value="Annual colloquium"' in html
    assert re.search(r">\s*Protéger</textarea>", html)
    assert re.search(r">\s*Protecting</textarea>", html)


def _upload(client, **texts):
    url = "/admin/resources/"
    fields = {"title_fr": "", "title_en": "", "description_fr": "", "description_en": ""}
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, url),
            **fields,
            **texts,
            "file": FileStorage(
                io.BytesIO(draw_brochure([["Guide"]])), "g.pdf", content_type="application/pdf"
            ),
        }
    )
    return client.post(
        url + "?lang=en", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_the_brochure_form_takes_a_title_in_either_language(organiser):
    response = _upload(organiser, title_en="Spotting guide", description_en="For teams.")
    assert response.status_code == 302
    [brochure] = db.session.scalars(sa.select(Brochure)).all()
    assert (brochure.title_fr, brochure.title_en) == ("", "Spotting guide")
    assert brochure.description_en == "For teams."
    response = _upload(organiser, title_fr=" ", title_en="")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p class="error-message" id="title_fr-error">Write it in French or in English' in html
    assert html.count('class="language-pair"') == 2
    listed = _html(organiser, "/admin/resources/?lang=en")
    assert "No French text" in listed


# -- Open data --------------------------------------------------------------------------------


def _api_edition(client, query: str = "", **headers) -> dict:
    response = client.get(f"/api/v1/programme{query}", headers=headers)
    assert response.status_code == 200
    return response.get_json()["edition"]


def test_the_api_gives_the_editions_texts_in_the_language_asked_and_both_beside(client):
    edition = make_edition(COMING_YEAR, title_fr="Protéger", title_en="Protecting", theme_fr="Agir")
    programme.set_published(edition, True)
    db.session.commit()
    both = {"title_fr": "Protéger", "title_en": "Protecting", "theme_fr": "Agir", "theme_en": ""}
    english = _api_edition(client, "?lang=en")
    assert {key: english[key] for key in both} == both
    assert (english["title"], english["theme"]) == ("Protecting", "Agir")
    french = _api_edition(client, "?lang=fr")
    assert (french["title"], french["theme"]) == ("Protéger", "Agir")
    # A new visitor (no remembered choice): the browser's language, else French.
    browser = client.application.test_client()
    assert _api_edition(browser, **{"Accept-Language": "en-GB,en;q=0.9"})["title"] == "Protecting"
    assert _api_edition(client.application.test_client())["title"] == "Protéger"


def test_the_api_names_an_untitled_edition_by_its_date_in_the_language_asked(client):
    edition = make_edition(COMING_YEAR)
    programme.set_published(edition, True)
    db.session.commit()
    english = _api_edition(client, "?lang=en")
    assert english["title"] == f"Colloquium of 17 October {COMING_YEAR}"
    assert (english["title_fr"], english["title_en"]) == ("", "")


# -- Mail -------------------------------------------------------------------------------------


def _mails_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.recipient == address))
    )


def test_mail_gives_the_editions_title_in_the_attendees_language(app):
    edition = make_edition(
        COMING_YEAR, title_fr="Protéger les mineurs", title_en="Protecting minors"
    )
    make_registration(edition, "ada@example.org", language="en", confirm=True)
    make_registration(edition, "bob@example.org", language="fr", confirm=True)
    for mail in map(written_mail, _mails_to("ada@example.org")):
        assert "Protecting minors" in mail.subject and "Protecting minors" in mail.text
        assert "Protéger" not in mail.text
    for mail in map(written_mail, _mails_to("bob@example.org")):
        assert "Protéger les mineurs" in mail.subject and "Protecting" not in mail.text
    assert len(_mails_to("ada@example.org")) == 2  # the link, then the confirmation


def test_mail_in_english_falls_back_to_the_french_title(app, sent_mail):
    edition = make_edition(COMING_YEAR, title_fr="Protéger les mineurs", theme_fr="Agir ensemble")
    make_registration(edition, "ada@example.org", language="en", confirm=True)
    [_link, confirmed] = map(written_mail, _mails_to("ada@example.org"))
    assert "Protéger les mineurs" in confirmed.subject
    assert "Your seat is confirmed" in confirmed.subject  # the interface stays English
    # The calendar file attached follows the attendee's language too.
    [calendar] = [
        attachment
        for attachment in sent_mail[-1]["attachments"]
        if attachment.filename.endswith(".ics")
    ]
    text = calendar.data.decode()
    assert "SUMMARY:Protéger les mineurs" in text and "Agir ensemble" in text


def test_reminders_give_the_title_in_each_attendees_language(app):
    edition = make_edition(COMING_YEAR, title_fr="Protéger les mineurs", title_en="Protecting")
    make_registration(edition, "ada@example.org", language="en", confirm=True)
    make_registration(edition, "bob@example.org", language="fr", confirm=True)
    outcome = messages.send_reminders(edition, days=7, today=edition.date - timedelta(days=1))
    db.session.commit()
    assert outcome.queued == 2
    [english] = [m for m in _mails_to("ada@example.org") if m.template.endswith("reminder")]
    [french] = [m for m in _mails_to("bob@example.org") if m.template.endswith("reminder")]
    assert "Protecting" in english.text_body and "Protéger" not in english.text_body
    assert "Protéger les mineurs" in french.text_body


# -- The migration ----------------------------------------------------------------------------


def test_the_migration_keeps_the_texts_as_french_and_brings_them_back(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        before = script.get_revision(MIGRATION).down_revision
        upgrade(revision=before)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO edition (year, date, title, theme, capacity, created_at, "
                    "updated_at) VALUES (:year, :day, 'Colloque', 'Thème', 10, :now, :now)"
                ),
                {"year": COMING_YEAR, "day": f"{COMING_YEAR}-10-17", "now": "2026-01-01 00:00"},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO brochure (title, description, filename, data, size, page_count, "
                    "digest, created_at) VALUES ('Guide', 'Pour tous', 'g.pdf', :data, 3, 1, "
                    "'d', :now)"
                ),
                {"data": b"%PD", "now": "2026-01-01 00:00"},
            )
        upgrade(revision=MIGRATION)
        with db.engine.begin() as connection:
            edition = connection.execute(
                sa.text("SELECT title_fr, title_en, theme_fr, theme_en FROM edition")
            ).one()
            assert tuple(edition) == ("Colloque", "", "Thème", "")
            brochure = connection.execute(
                sa.text("SELECT title_fr, title_en, description_fr, description_en FROM brochure")
            ).one()
            assert tuple(brochure) == ("Guide", "", "Pour tous", "")
            # Texts written only in English survive the way back.
            connection.execute(
                sa.text("UPDATE edition SET title_fr = '', title_en = 'Colloquium', theme_en = 'x'")
            )
            connection.execute(
                sa.text("UPDATE brochure SET description_fr = '', description_en = 'For all'")
            )
        downgrade(revision=before)
        with db.engine.begin() as connection:
            edition = connection.execute(sa.text("SELECT title, theme FROM edition")).one()
            assert tuple(edition) == ("Colloquium", "Thème")
            brochure = connection.execute(sa.text("SELECT title, description FROM brochure")).one()
            assert tuple(brochure) == ("Guide", "For all")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("edition")}
        assert "title_en" not in columns and "title" in columns
