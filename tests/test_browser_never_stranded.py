"""Never stranded, in Chromium without JavaScript, in both languages: register, lose the
e-mailed link, ask for a new one, find the old one dead, then cancel, asked first.

The links are read from the mail a real SMTP server received.
"""

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from colloquium.extensions import db
from colloquium.mail.delivery import deliver_due
from tests.factories import COMING_YEAR, make_edition
from tests.test_registration_journey import text_of

pytestmark = pytest.mark.browser

MANAGE_PATH = re.compile(r"http://colloquium\.test(/registration/[\w-]+)")


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def delivered_link(smtp, count: int) -> str:
    """Deliver the outbox through SMTP; the manage link in the last of ``count`` new mails."""
    before = len(smtp.messages)
    report = deliver_due()
    db.session.commit()  # end the read: on SQLite it would hold the lock the server needs
    assert report.sent == count
    assert smtp.wait_for(before + count)
    paths = set(MANAGE_PATH.findall(text_of(smtp.messages[-1])))
    assert len(paths) == 1, paths
    return paths.pop()


def say(language: str, text: str) -> str:
    """``text`` as the site shows it in ``language``."""
    with force_locale(language):
        return gettext(text)


@pytest.mark.parametrize(("language", "locale"), [("fr", "fr-FR"), ("en", "en-GB")])
def test_a_lost_link_is_one_address_away_and_cancelling_asks_first(
    app, browser, live_server, smtp, language, locale
):
    make_edition(COMING_YEAR, capacity=5, venue_name="Halle aux grains", city="Toulouse")
    context = browser.new_context(base_url=live_server, locale=locale, java_script_enabled=False)
    page = context.new_page()
    heading = page.get_by_role("heading", level=1)
    body = page.locator("body")
    try:
        page.goto(f"/register?lang={language}")
        page.locator("#first_name").fill("Ada")
        page.locator("#last_name").fill("Lovelace")
        page.locator("#email").fill("ada@example.org")
        page.locator("input[name=attendee_type]").first.check()
        page.locator("#consent_privacy").check()
        page.locator("main form button[type=submit]").click()
        expect(heading).to_have_text(say(language, "Check your e-mail"), use_inner_text=True)
        expect(body).to_contain_text("ada@example.org")  # which address the link went to
        first = delivered_link(smtp, 1)

        # The e-mail is lost: the sent page leads to the lost-link form.
        page.get_by_role("link", name=say(language, "Lost your registration link?")).click()
        page.locator("#email").fill("ada@example.org")
        page.get_by_role("button", name=say(language, "Send me a new link")).click()
        expect(body).to_contain_text("ada@example.org")
        second = delivered_link(smtp, 1)
        assert second != first

        # The old link now explains itself and offers the same form; the new one works.
        response = page.goto(first)
        assert response.status == 404
        expect(heading).to_have_text(
            say(language, "This link no longer opens a registration"), use_inner_text=True
        )
        expect(page.get_by_role("button", name=say(language, "Send me a new link"))).to_be_visible()
        page.goto(second)
        page.get_by_role("button", name=say(language, "Confirm my registration")).click()
        expect(page.get_by_role("status")).to_be_visible()
        expect(body).to_contain_text(say(language, "Confirmed: your seat is booked."))

        # Cancelling: the first click only asks.
        page.get_by_role("link", name=say(language, "Cancel my registration")).click()
        assert page.url.endswith(f"{second}/cancel")
        page.goto(second)
        expect(body).to_contain_text(say(language, "Confirmed: your seat is booked."))
        page.get_by_role("link", name=say(language, "Cancel my registration")).click()
        page.get_by_role("button", name=say(language, "Yes, cancel my registration")).click()
        expect(page.get_by_role("status")).to_contain_text(
            say(language, "Your registration is cancelled. Thank you for telling us.")
        )
        expect(body).to_contain_text(say(language, "Cancelled."))
    finally:
        context.close()
