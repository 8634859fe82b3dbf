"""The public programme in a real browser: parallel sessions side by side, stacked on phones."""

import re

import pytest
from playwright.sync_api import expect

from colloquium.extensions import db
from colloquium.programme import services
from tests.factories import COMING_YEAR, make_edition, make_room, make_session

pytestmark = pytest.mark.browser


def three_parallel_workshops():
    edition = make_edition(COMING_YEAR)
    for n, room in enumerate(("Salle A", "Salle B", "Salle C")):
        make_session(
            edition,
            f"Atelier {n + 1} avec un titre assez long pour passer à la ligne",
            "14:00",
            "15:30",
            room=make_room(edition, room),
            kind="workshop",
        )
    services.set_published(edition, True)
    db.session.commit()  # the live server reads it from another connection


def card_boxes(page):
    page.goto(f"/programme/{COMING_YEAR}")
    return page.locator(".programme-card").evaluate_all(
        "cards => cards.map(card => card.getBoundingClientRect().toJSON())"
    )


def test_parallel_sessions_side_by_side_on_a_wide_screen(browser, live_server):
    three_parallel_workshops()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        boxes = card_boxes(context.new_page())
    finally:
        context.close()
    assert len({round(box["top"]) for box in boxes}) == 1
    assert boxes[0]["left"] < boxes[1]["left"] < boxes[2]["left"]


def test_parallel_sessions_stacked_on_a_phone(browser, live_server):
    three_parallel_workshops()
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        boxes = card_boxes(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        context.close()
    assert len({round(box["left"]) for box in boxes}) == 1
    assert boxes[0]["bottom"] <= boxes[1]["top"] and boxes[1]["bottom"] <= boxes[2]["top"]
    assert overflow <= 0


def test_filters_work_without_javascript(browser, live_server):
    three_parallel_workshops()
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"/programme/{COMING_YEAR}")
        page.get_by_label("Kind of session").select_option("keynote")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r"kind=keynote"))
        expect(page.locator("body")).to_contain_text("No session matches these filters.")
        page.get_by_role("link", name="Show the whole programme").click()
        expect(page.locator(".programme-card")).to_have_count(3)
    finally:
        context.close()
