"""Test helpers for pages with forms: CSRF tokens (kept switched on in tests), logging in, mail."""

import re

from colloquium.mail.outbox import RenderedMail, write_mail
from tests.factories import DEFAULT_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(client, url: str = "/login", *, html: str | None = None) -> str:
    """The CSRF token of the form at ``url``, or of the page ``html`` already in hand."""
    if html is None:
        page = client.get(url)
        html, where = page.get_data(as_text=True), f"{url} ({page.status_code})"
    else:
        where = "the page"
    found = CSRF_FIELD.search(html)
    assert found, f"no CSRF token on {where}"
    return found.group(1)


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST ``data`` to ``url`` with the CSRF token of the form at ``form_url`` (or ``url``)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def log_in(client, email: str, password: str = DEFAULT_PASSWORD):
    """Log ``client`` in through the real login form; returns the response."""
    return post_form(client, "/login", {"email": email, "password": password})


def written_mail(mail):
    """The subject, text and HTML of an outbox row as it is (or will be) sent.

    A mail queued with ``queue_mail_later`` is written as the worker would write it now.
    """
    if mail.parameters is None:
        return RenderedMail(mail.subject, mail.text_body, mail.html_body)
    written = write_mail(mail.template, mail.language, mail.parameters)
    assert written is not None, f"mail {mail.id}: what it was about is gone"
    return written.rendered
