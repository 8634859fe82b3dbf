"""E-mails people can act on: the QR code in the body and attached, the practical information,
every mail in the site's identity; the "sent" page names the address; a dead link stays a page.

Mail goes through a real SMTP server, in both languages.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from colloquium.extensions import db
from colloquium.links import external_url
from colloquium.mail.delivery import ClaimedMail, build_message
from colloquium.mail.outbox import Attachment, inline_src, render_mail
from colloquium.programme import services as programme
from colloquium.registration import services
from tests.factories import COMING_YEAR, make_edition, make_registration, make_room, make_session
from tests.test_registration_journey import FORM, attachments_of, deliver, text_of
from tests.web import csrf_token

ROOT = Path(__file__).resolve().parent.parent
MAIL_TEMPLATES = ROOT / "templates" / "email"
CATALOGUE = ROOT / "colloquium" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
ADDRESS = "12 allées Jean-Jaurès"
ACCESS_NOTES = "Entrée par la cour, ascenseur à gauche."
NBSP = "\u00a0"


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def related_part(message):
    [related] = [part for part in message.walk() if part.get_content_type() == "multipart/related"]
    return related


def venue(capacity: int = 10, published: bool = True):
    """An edition with an address, a room with access notes and a programme from 08:30."""
    edition = make_edition(
        COMING_YEAR,
        capacity=capacity,
        venue_name="Halle aux grains",
        venue_address=ADDRESS,
        city="Toulouse",
    )
    room = make_room(edition, "Salle Gascogne", access_notes=ACCESS_NOTES)
    make_room(edition, "Salle sans notes")
    make_session(edition, "Accueil", starts="08:30", ends="09:00", room=room)
    make_session(edition, "Clôture", starts="17:00", ends="17:30", room=room)
    programme.set_published(edition, published)
    db.session.commit()
    return edition


# -- The confirmation and the promotion: QR code inline and attached, when, where, access ---


@pytest.mark.parametrize(
    ("language", "when", "getting_there"),
    [
        ("en", "When: ", "Getting there:"),
        ("fr", f"Quand{NBSP}: ", f"Accès{NBSP}:"),
    ],
)
def test_the_confirmation_shows_the_qr_code_and_the_practical_information(
    smtp, language, when, getting_there
):
    edition = venue()
    registration, _token = make_registration(edition, confirm=True, language=language)
    _link, confirmed = deliver(smtp, 2)
    png = f"{registration.reference}.png"
    cid = f"{png}@colloquium"

    assert confirmed.get_content_type() == "multipart/mixed"
    related = related_part(confirmed)
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert f'src="cid:{cid}"' in html_part.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content_disposition() == "inline"
    # ... and the same image is attached as a file, beside the calendar.
    files = attachments_of(confirmed)
    assert files[png].get_content_disposition() == "attachment"
    assert files[png].get_content() == image.get_content()
    assert files[png].get_content().startswith(b"\x89PNG")
    assert "colloquium.ics" in files

    for body in (text_of(confirmed), html_of(confirmed)):
        assert "08:30" in body
        assert ADDRESS in body and "Toulouse" in body
        assert ACCESS_NOTES in body and "Salle Gascogne" in body
        assert "Salle sans notes" not in body
    assert when in text_of(confirmed) and getting_there in text_of(confirmed)
    if language == "fr":
        assert "dès 08:30 (première séance)" in text_of(confirmed)
        assert f"Salle Gascogne{NBSP}: {ACCESS_NOTES}" in text_of(confirmed)
    else:
        assert "from 08:30 (first session)" in text_of(confirmed)


def test_before_the_programme_is_published_the_confirmation_gives_the_day_only(smtp):
    edition = venue(published=False)
    make_registration(edition, confirm=True, language="en")
    _link, confirmed = deliver(smtp, 2)
    text = text_of(confirmed)
    assert "first session" not in text and "08:30" not in text
    assert f"October {COMING_YEAR}" in text and ADDRESS in text


def test_the_promotion_mail_shows_the_qr_code_too(smtp):
    edition = venue(capacity=1)
    first, _ = make_registration(edition, "ada@example.org", confirm=True, language="en")
    second, _ = make_registration(edition, "lucie@example.org", confirm=True, language="fr")
    deliver(smtp, 4)
    services.cancel_registration(first)
    db.session.commit()
    _cancelled, promoted = deliver(smtp, 2)
    assert promoted["Subject"].startswith("Une place vous attend")
    cid = f"{second.reference}.png@colloquium"
    assert f'src="cid:{cid}"' in html_of(promoted)
    assert related_part(promoted).get_payload()[1]["Content-ID"] == f"<{cid}>"
    assert f"{second.reference}.png" in attachments_of(promoted)
    assert "dès 08:30 (première séance)" in text_of(promoted)


def test_an_image_the_html_does_not_show_is_only_attached(app):
    image = Attachment("logo.png", "image/png", b"\x89PNG not really")
    mail = ClaimedMail(
        id=1,
        recipient="ada@example.org",
        subject="Hello",
        text="Hello",
        html="<p>Hello</p>",
        message_id="<1@colloquium.test>",
        attempts=1,
        claimed_at=None,
        attachments=(image,),
    )
    message = build_message(mail).as_bytes()
    assert b"multipart/related" not in message and b"Content-ID" not in message
    shown = ClaimedMail(**{**mail.__dict__, "html": f'<img src="{inline_src(image)}">'})
    assert b"multipart/related" in build_message(shown).as_bytes()


def test_only_images_with_plain_file_names_are_shown_inline():
    with pytest.raises(ValueError):
        inline_src(Attachment("colloquium.ics", "text/calendar", b""))
    with pytest.raises(ValueError):
        inline_src(Attachment('a"b.png', "image/png", b""))


# -- The "sent" page names the address, the same page for a new or a known address ---------


def register(client, email: str):
    data = {**FORM, "email": email, "csrf_token": csrf_token(client, "/register")}
    response = client.post("/register", data=data)
    assert response.status_code == 302
    # The address stays out of the URL: URLs end up in logs.
    assert response.headers["Location"] == "/register/sent"
    return client.get("/register/sent?lang=en")


def test_the_sent_page_names_the_address_and_is_the_same_for_a_known_one(client, sent_mail):
    make_edition(COMING_YEAR)
    new = register(client, "ada@example.org")
    again = register(client, "ada@example.org")
    assert new.status_code == again.status_code == 200
    assert "<strong>ada@example.org</strong>" in new.get_data(as_text=True)
    assert new.get_data(as_text=True) == again.get_data(as_text=True)
    assert "no-store" in new.headers["Cache-Control"]
    # Shown once: reloading the page later does not keep the address around.
    later = client.get("/register/sent?lang=en").get_data(as_text=True)
    assert "ada@example.org" not in later and "We have sent you an e-mail" in later


def test_the_sent_page_escapes_the_address(client, sent_mail):
    make_edition(COMING_YEAR)
    page = register(client, "tom&jerry@example.org").get_data(as_text=True)
    assert "<strong>tom&amp;jerry@example.org</strong>" in page


def test_the_sent_page_in_french(client, sent_mail):
    make_edition(COMING_YEAR)
    register(client, "ada@example.org")
    register(client, "lucie@example.org")
    page = client.get("/register/sent?lang=fr").get_data(as_text=True)
    assert "Nous avons envoyé un e-mail contenant un lien" not in page  # already shown once
    data = {**FORM, "email": "lea@example.org", "csrf_token": csrf_token(client, "/register")}
    client.post("/register", data=data)
    page = client.get("/register/sent?lang=fr").get_data(as_text=True)
    assert "<strong>lea@example.org</strong>" in page and "Nous avons envoyé" in page


# -- A failed CSRF check on a dead link: the same unknown-link page as the link itself ------


@pytest.mark.parametrize("action", ["confirm", "cancel", "delete", "edit"])
@pytest.mark.parametrize("csrf", [None, "not-a-token"])
def test_a_dead_link_with_a_bad_csrf_token_shows_the_unknown_link_page(client, action, csrf):
    make_edition(COMING_YEAR)
    data = {} if csrf is None else {"csrf_token": csrf}
    response = client.post(f"/registration/no-such-token/{action}?lang=en", data=data)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This link no longer opens a registration" in page
    assert 'action="/registration/resend"' in page
    assert response.headers["Cache-Control"] == "no-store"
    followed = client.get("/registration/no-such-token?lang=en")
    assert "This link no longer opens a registration" in followed.get_data(as_text=True)


# -- French typography: no straight apostrophe in French text ------------------------------


def test_french_translations_use_the_typographic_apostrophe():
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    straight = [
        message.id
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if "'" in re.sub(r"<[^>]*>", "", text)
    ]
    assert straight == []


# -- Every mail: HTML layout and plain-text twin, privacy link, at most one button ---------

SAMPLE = {
    "first_name": "Ada",
    "name": "Ada Lovelace",
    "reference": "R-TEST42",
    "edition_title": "Colloque",
    "venue_name": "Halle aux grains",
    "venue_address": ADDRESS,
    "city": "Toulouse",
    "status": "unconfirmed",
    "position": 2,
    "days": 7,
    "minutes": 60,
    "association_name": "Aide et refuge",
    "author": "Camille",
    "fields": ["summary"],
    "is_revert": False,
    "recipient": "ada@example.org",
    "link": "http://colloquium.test/some/link",
    "manage_url": "http://colloquium.test/registration/t",
    "register_url": "http://colloquium.test/register",
    "profile_link": "http://colloquium.test/associations/aide-et-refuge",
    "history_link": "http://colloquium.test/admin/associations/aide-et-refuge/history",
    # Rooms with their notes in both languages: each mail shows its reader's.
    "access_notes": [
        SimpleNamespace(name="Salle Gascogne", access_notes_fr=ACCESS_NOTES, access_notes_en="")
    ],
}


def mail_templates() -> list[str]:
    """Every e-mail (``email/<domain>/<name>``), partials (``_name``) aside."""
    return sorted(
        f"{path.parent.name}/{path.stem}"
        for path in MAIL_TEMPLATES.glob("*/*.txt")
        if not path.stem.startswith("_")
    )


def test_every_mail_template_is_listed():
    assert {"registration/confirmed", "accounts/invitation", "mail/test"} <= set(mail_templates())


@pytest.mark.parametrize("template", mail_templates())
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_mail_has_its_twin_the_layout_the_privacy_link_and_one_button(
    app, template, language
):
    from datetime import date

    assert (MAIL_TEMPLATES / f"{template}.html").exists()
    edition_date = date(COMING_YEAR, 10, 17)
    mail = render_mail(template, language, {**SAMPLE, "edition_date": edition_date})
    privacy = external_url("pages.privacy")
    assert privacy.startswith("http://colloquium.test/") and privacy.endswith("/privacy")
    assert privacy in mail.text and f'href="{privacy}"' in mail.html
    assert "\n-- \n" in mail.text  # the plain-text layout's footer
    assert f'<html lang="{language}">' in mail.html and "border-top:4px solid #8a1c2b" in mail.html
    assert mail.html.count('class="button"') <= 1
    assert "{{" not in mail.text + mail.html and "{%" not in mail.text + mail.html
    if language == "fr":
        assert "Confidentialité" in mail.text + mail.html
        assert "'" not in mail.text
        assert "'" not in re.sub(r"<[^>]*>", "", mail.html).replace("&#39;", "'")


def test_an_expired_lost_link_form_is_shown_again_with_the_address(client, sent_mail):
    edition = make_edition(COMING_YEAR)
    make_registration(edition, "ada@example.org")
    sent_mail.clear()
    data = {"email": "ada@example.org", "csrf_token": "expired"}
    response = client.post("/registration/resend?lang=en", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form had expired" in page and 'value="ada@example.org"' in page
    assert sent_mail == []
