"""Every page of the demo site, public and back office, checked by axe-core (WCAG 2.1 AA)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from colloquium.extensions import db

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
    "/admin/registrations/",
    "/admin/audit/",
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


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_pass_axe(page, axe_source, demo_site, language):
    problems = []
    for path in PUBLIC:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
        problems += [f"{path}: {problem}" for problem in violations(page, axe_source)]
    page.goto("/programme")
    page.locator("main a[href^='/programme/sessions/']").first.click()
    expect(page).to_have_url(re.compile(r"/programme/sessions/\d+"))
    problems += [f"session: {problem}" for problem in violations(page, axe_source)]
    page.goto("/associations")
    page.locator("main a[href^='/associations/']").first.click()
    expect(page).to_have_url(re.compile(r"/associations/[\w-]+$"))
    problems += [f"profile: {problem}" for problem in violations(page, axe_source)]
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


def test_back_office_passes_axe(page, axe_source, demo_site):
    email, password = demo_site
    page.goto("/login?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    problems = []
    for path in BACK_OFFICE:
        page.goto(path)
        problems += [f"{path}: {problem}" for problem in violations(page, axe_source)]
    page.goto("/admin/programme/")
    page.locator("main a[href^='/admin/programme/2']").first.click()
    expect(page).to_have_url(re.compile(r"/admin/programme/\d+$"))
    problems += [f"{page.url}: {problem}" for problem in violations(page, axe_source)]
    assert problems == []
