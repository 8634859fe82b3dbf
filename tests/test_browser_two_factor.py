"""Two-step login in a real browser on a phone-sized screen: no script needed, axe-clean."""

import pytest

from colloquium.accounts import two_factor
from colloquium.clock import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_browser_accessibility import axe_source, violations  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def _fits(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_setting_up_and_logging_in_on_a_small_screen(browser, live_server):
    make_user("boss@example.org", role="organiser")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 320, "height": 640}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/login?lang=fr")  # the longer language
        page.fill("input[name=email]", "boss@example.org")
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.locator("main form button[type=submit]").click()
        for path in ("/admin/", "/account/two-factor"):
            page.goto(path)
            assert _fits(page) <= 0, path
        secret = page.locator(".secret-key").inner_text().replace(" ", "")
        page.fill("input[name=code]", "000000")
        page.locator("main form button[type=submit]").click()
        assert page.locator("#code-error").count() == 1
        assert _fits(page) <= 0
        page.fill("input[name=code]", two_factor.code_at(secret, two_factor.time_step(utcnow())))
        page.locator("main form button[type=submit]").click()
        assert page.locator(".recovery-codes li").count() == 10
        assert _fits(page) <= 0
        page.goto("/account/two-factor")
        assert _fits(page) <= 0
        page.locator("header form button").click()  # log out
        page.goto("/login")
        page.fill("input[name=email]", "boss@example.org")
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.locator("main form button[type=submit]").click()
        assert page.url.endswith("/login/two-factor")
        assert _fits(page) <= 0
    finally:
        context.close()


def test_the_pages_pass_axe(page, axe_source):  # noqa: F811 (the imported fixture)
    make_user("boss@example.org", role="organiser")
    page.goto("/login?lang=en")
    page.fill("input[name=email]", "boss@example.org")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto("/account/two-factor")
    problems = [f"set-up: {p}" for p in violations(page, axe_source)]
    page.fill("input[name=code]", "000000")
    page.locator("main form button[type=submit]").click()
    problems += [f"set-up with an error: {p}" for p in violations(page, axe_source)]
    secret = page.locator(".secret-key").inner_text().replace(" ", "")
    page.fill("input[name=code]", two_factor.code_at(secret, two_factor.time_step(utcnow())))
    page.locator("main form button[type=submit]").click()
    problems += [f"recovery codes: {p}" for p in violations(page, axe_source)]
    page.goto("/account/two-factor")
    problems += [f"on: {p}" for p in violations(page, axe_source)]
    page.locator("header form button").click()
    page.goto("/login")
    page.fill("input[name=email]", "boss@example.org")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    problems += [f"second step: {p}" for p in violations(page, axe_source)]
    assert problems == []
