"""Test helpers for pages with forms: CSRF tokens (kept switched on in tests) and logging in."""

import re

from tests.factories import DEFAULT_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the form at ``url``."""
    page = client.get(url)
    found = CSRF_FIELD.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({page.status_code})"
    return found.group(1)


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST ``data`` to ``url`` with the CSRF token of the form at ``form_url`` (or ``url``)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def log_in(client, email: str, password: str = DEFAULT_PASSWORD):
    """Log ``client`` in through the real login form; returns the response."""
    return post_form(client, "/login", {"email": email, "password": password})
