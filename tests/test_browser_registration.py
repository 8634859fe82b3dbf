"""Registering in a real browser: the form, the e-mailed link, confirming, the QR code; phones."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from tests.factories import COMING_YEAR, make_edition, make_registration

pytestmark = pytest.mark.browser


def manage_link_in_outbox(address: str) -> str:
    db.session.expire_all()
    body = db.session.scalar(
        sa.select(OutgoingMail.text_body)
        .where(OutgoingMail.recipient == address)
        .order_by(OutgoingMail.id.desc())
        .limit(1)
    )
    db.session.commit()  # end the read: on SQLite it would hold the lock the server needs
    return re.search(r"/registration/[\w-]+", body).group(0)


def test_register_and_confirm_without_javascript_trouble(page):
    make_edition(COMING_YEAR, capacity=5, venue_name="Halle aux grains", city="Toulouse")
    page.goto("/")
    page.get_by_role("link", name="S\u2019inscrire", exact=True).first.click()
    body = page.locator("body")
    expect(body).to_contain_text("5 places restantes sur 5.")
    page.get_by_role("button", name="S\u2019inscrire").click()  # empty: errors, nothing lost
    expect(page.get_by_role("alert")).to_contain_text("Veuillez vérifier le formulaire")
    page.get_by_label("Prénom").fill("Ada")
    page.get_by_label("Nom", exact=True).fill("Lovelace")
    page.get_by_label("Adresse e-mail").fill("ada@example.org")
    page.get_by_label("Association membre de la coopérative").check()
    page.get_by_label("Régime alimentaire (facultatif)").fill("Végétarien")
    page.get_by_label("J\u2019ai lu la politique de confidentialité", exact=False).check()
    assert page.get_by_label("Français").is_checked()
    page.get_by_role("button", name="S\u2019inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultez vos e-mails", use_inner_text=True
    )

    page.goto(manage_link_in_outbox("ada@example.org"))
    expect(body).to_contain_text("Pas encore confirmée.")
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.get_by_role("status")).to_contain_text("votre place est confirmée")
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and abs(box["width"] - box["height"]) < 1
    expect(body).to_contain_text("Végétarien")


def test_registration_pages_fit_a_phone_screen(browser, live_server):
    edition = make_edition(COMING_YEAR, capacity=5)
    _, token = make_registration(edition, confirm=True)
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        for path in ("/register", f"/registration/{token}", f"/registration/{token}/edit"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()
