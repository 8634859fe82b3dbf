"""Members' directory and accounts in a real browser: search, log in, edit, log out."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_association, make_user

pytestmark = pytest.mark.browser


def test_search_and_filter_the_directory_without_javascript(browser, live_server):
    make_association("refuge-du-nord", "Refuge du Nord", city="Lille", areas=["shelter_housing"])
    make_association("droit-devant", "Droit Devant", city="Lyon", areas=["legal_aid"])
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/associations?lang=en")
        assert "2 member associations" in page.content()
        page.get_by_label("Area of action").select_option("legal_aid")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"area=legal_aid"))
        cards = page.locator(".member-card h2")
        expect(cards).to_have_text(["Droit Devant"], use_inner_text=True)
        page.get_by_role("link", name="Droit Devant").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Droit Devant", use_inner_text=True
        )
    finally:
        context.close()


def test_an_editor_logs_in_edits_the_profile_and_logs_out(page):
    association = make_association("refuge-du-nord", "Refuge du Nord", city="Lille")
    make_user("ed@example.org", association=association)
    page.goto("/associations/refuge-du-nord/edit?lang=en")
    assert "/login" in page.url
    page.get_by_label("E-mail address").fill("ed@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(
        re.compile(re.escape("/associations/refuge-du-nord/edit?lang=en") + "$")
    )
    page.get_by_label("Summary (in French)").fill("Un abri sûr, jour et nuit.")
    page.get_by_label("Health").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(re.escape("/associations/refuge-du-nord") + "$"))
    body = page.locator("body")
    expect(body).to_contain_text("Un abri sûr, jour et nuit.")
    expect(body).to_contain_text("The profile is saved.")
    page.get_by_role("button", name="Log out").click()
    expect(body).to_contain_text("You are logged out.")
    page.goto("/associations/refuge-du-nord/edit")
    assert "/login" in page.url


def test_directory_and_login_fit_a_phone_screen(browser, live_server):
    for number in range(3):
        make_association(f"membre-{number}", f"Association au nom assez long numéro {number}")
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        for path in ("/associations", "/associations/membre-0", "/login", "/password/reset"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()
