"""Every page of the demo site, public and back office, checked by axe-core (WCAG 2.1 AA)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from colloquium.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.test_admin_walk import admin_urls
from tests.test_admin_walk import back_office as back_office  # a fixture

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"
PUBLIC = [
    "/",
    "/programme",
    "/programme?kind=workshop&language=fr",
    "/associations",
    "/associations?q=nothing-matches",
    "/register",
    "/about",
    "/resources",
    "/privacy",
    "/login",
    "/password/reset",
]
BACK_OFFICE = [
    "/admin/",
    "/admin/associations/",
    "/admin/users/",
    "/admin/programme/",
    "/admin/check-in/",
    "/admin/check-in/?q=a",
    "/admin/badges/",
    "/admin/registrations/",
    "/admin/audit/",
    "/admin/mail/",
    "/admin/resources/",
]


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{AXE} is required: run `make test` (it installs it with npm)")
        pytest.skip("axe-core is not installed (needs npm: `cd tests && npm install`)")
    return AXE.read_text()


def violations(page, axe_source) -> list[str]:
    page.evaluate(axe_source)
    result = page.evaluate(f"axe.run(document, {WCAG_21_AA})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}" for v in result["violations"]
    ]


@pytest.fixture
def demo_site(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    return re.search(r"Organiser: (\S+) / (\S+)", result.output).groups()


def walk_public(page, language):
    """Open every public page of the demo site in ``language``; yield a name for each."""
    for path in PUBLIC:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
        yield path
    page.goto(f"/programme?lang={language}")
    page.locator("main a[href^='/programme/sessions/']").first.click()
    expect(page).to_have_url(re.compile(r"/programme/sessions/\d+"))
    yield "session"
    page.goto(f"/programme?lang={language}")
    page.locator("main a[href^='/programme/speakers/']").first.click()
    expect(page).to_have_url(re.compile(r"/programme/speakers/\d+"))
    yield "speaker"
    page.goto(f"/associations?lang={language}")
    page.locator("main a[href^='/associations/']").first.click()
    expect(page).to_have_url(re.compile(r"/associations/[\w-]+$"))
    yield "profile"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_pass_axe(page, axe_source, demo_site, language):
    problems = []
    for name in walk_public(page, language):
        problems += [f"{name}: {problem}" for problem in violations(page, axe_source)]
    assert problems == []


# The outermost elements that stick out past the screen's right edge (for the message).
STICKING_OUT = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .filter(e => e.parentElement.getBoundingClientRect().right <= width + 0.5)
  .slice(0, 3).map(e => e.outerHTML.slice(0, 100))"""


# A box that scrolls is reached with Tab and named, so keyboard users can scroll it too.
UNLABELLED = """[...document.querySelectorAll('.table-scroll')].filter(box =>
  box.getAttribute('role') !== 'region' || box.tabIndex !== 0
  || !document.getElementById(box.getAttribute('aria-labelledby'))?.textContent.trim()).length"""


def too_wide(page, width: int) -> list[str]:
    """Why the current page is wider than a ``width`` px screen (SC 1.4.10), if it is."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return []
    return [f"{scroll_width}px: {page.evaluate(STICKING_OUT, width)}"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_fit_a_phone(page, demo_site, language):
    """No public page scrolls sideways on a 320 px screen (nor on a 390 px one)."""
    problems = []
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        for name in walk_public(page, language):
            problems += [f"{width} {name}: {problem}" for problem in too_wide(page, width)]
    assert problems == []


def test_forms_with_errors_pass_axe(page, axe_source, demo_site):
    page.goto("/register?lang=en")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_have_count(1)
    assert violations(page, axe_source) == []
    page.goto("/login?lang=en")
    page.fill("input[name=email]", "nobody@example.org")
    page.fill("input[name=password]", "not the password")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_have_count(1)
    assert violations(page, axe_source) == []


def log_in_organiser(page, email: str, password: str) -> None:
    """Log in through the login form; an organiser lands on the dashboard."""
    page.goto("/login?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_back_office_passes_axe(page, axe_source, demo_site):
    log_in_organiser(page, *demo_site)
    problems = []
    for path in BACK_OFFICE:
        page.goto(path)
        problems += [f"{path}: {problem}" for problem in violations(page, axe_source)]
    page.goto("/admin/programme/")
    page.locator("main a[href^='/admin/programme/2']").first.click()
    expect(page).to_have_url(re.compile(r"/admin/programme/\d+$"))
    problems += [f"{page.url}: {problem}" for problem in violations(page, axe_source)]
    assert problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_back_office_page_fits_a_phone(app, page, back_office, language):
    """Every GET page under /admin/ (check-in first), with a row in every state, at 390 px."""
    # The fixture's values were read after its commit: end that read so the server can write.
    db.session.rollback()
    page.set_viewport_size({"width": 390, "height": 800})
    log_in_organiser(page, "organiser@example.org", DEFAULT_PASSWORD)
    urls = sorted(admin_urls(app, back_office), key=lambda url: "/check-in/" not in url)
    problems, walked = [], 0
    for url in urls:
        if not page.request.get(url).headers["content-type"].startswith("text/html"):
            continue  # a speaker's photo
        page.goto(f"{url}?lang={language}")
        walked += 1
        problems += [f"{url}: {problem}" for problem in too_wide(page, 390)]
        problems += [f"{url}: unlabelled scroll box" for _ in range(page.evaluate(UNLABELLED))]
    assert walked >= 20
    assert problems == []
