"""Registering in a real browser: the form, the e-mailed link, confirming, the QR code; phones."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from tests.factories import COMING_YEAR, make_edition, make_registration
from tests.web import written_mail

pytestmark = pytest.mark.browser


def manage_link_in_outbox(address: str) -> str:
    db.session.expire_all()
    mail = db.session.scalar(
        sa.select(OutgoingMail)
        .where(OutgoingMail.recipient == address)
        .order_by(OutgoingMail.id.desc())
        .limit(1)
    )
    body = written_mail(mail).text
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


def tab_to(page, selector: str, presses: int = 40) -> None:
    """Press Tab until the focus is on ``selector``: it is reachable by keyboard alone."""
    for _ in range(presses):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_register_with_the_keyboard_alone(page):
    """Tab, Space and Enter only; a failed submission puts the focus on the error summary."""
    make_edition(COMING_YEAR, capacity=5)
    page.goto("/register")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")  # empty
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")  # the summary's first link, to the first field in error
    expect(page.locator(".error-summary a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#first_name")).to_be_focused()
    page.keyboard.type("Ada")
    tab_to(page, "#last_name")
    page.keyboard.type("Lovelace")
    tab_to(page, "#email")
    page.keyboard.type("ada@example.org")
    tab_to(page, "input[name=attendee_type]")  # the group's first choice
    page.keyboard.press("Space")
    tab_to(page, "#consent_privacy")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultez vos e-mails", use_inner_text=True
    )
