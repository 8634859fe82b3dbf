"""The site frame in a real browser: language switch, keyboard use, phones."""

import pytest
from playwright.sync_api import expect

from tests.factories import COMING_YEAR, make_edition

pytestmark = pytest.mark.browser


def test_language_switch_is_remembered(page):
    make_edition(COMING_YEAR, venue_name="Halle aux grains", city="Toulouse")
    page.goto("/")
    html, heading = page.locator("html"), page.get_by_role("heading", level=1)
    expect(html).to_have_attribute("lang", "fr")
    expect(heading).to_have_text(f"Colloque du 17 octobre {COMING_YEAR}", use_inner_text=True)
    page.get_by_role("link", name="EN", exact=True).click()
    expect(heading).to_have_text(f"Colloquium of 17 October {COMING_YEAR}", use_inner_text=True)
    page.get_by_role("link", name="FR", exact=True).click()
    expect(html).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("body")).to_contain_text("Seats left")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="About").click()
    expect(heading).to_have_text("About the cooperative", use_inner_text=True)
    expect(html).to_have_attribute("lang", "en")


def test_keyboard_users_can_skip_to_the_content(page):
    make_edition(COMING_YEAR)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-64px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_fit_a_phone_screen(browser, live_server):
    make_edition(COMING_YEAR, venue_name="Halle aux grains", city="Toulouse")
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        for path in ("/", "/about", "/resources", "/privacy", "/nowhere"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()
