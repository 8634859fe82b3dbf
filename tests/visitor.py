"""One visitor of a running server, for the scripts that drive it over real HTTP.

``tests/benchmarks/registration_burst.py`` has a ``Browser`` that sends fixed headers and gives
back the page as text. The scale-out benchmark and the production smoke test need more: each
visitor comes from its own address (``X-Forwarded-For``, as the reverse proxy in front of the
app would set it, so the per-address rate limits stay on and count each visitor apart), may
talk to several app servers with one cookie jar, and reads redirects, headers and bytes
(calendar files, JSON). This class does that with the standard library alone.
"""

from __future__ import annotations

import html
import http.client
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    """What the server answered to one request."""

    status: int
    headers: dict[str, str]  # names in lower case; the last value of a repeated header
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode()

    @property
    def location(self) -> str:
        """The path (and query) a redirect points to, whatever host it names."""
        target = urlsplit(self.headers.get("location", ""))
        return target.path + (f"?{target.query}" if target.query else "")

    def field(self, name: str) -> str:
        """The value of the (first) input named ``name`` in the page."""
        match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', self.text)
        if match is None:
            raise AssertionError(f"the page has no input named {name!r} with a value")
        return html.unescape(match.group(1))

    def csrf_token(self) -> str:
        """The CSRF token of the (first) form of the page."""
        match = CSRF.search(self.text)
        if match is None:
            raise AssertionError("the page has no form with a CSRF token")
        return match.group(1)


class Visitor:
    """A cookie jar, an address and a language; plain HTTP/1.1 to a server on loopback."""

    def __init__(
        self,
        port: int,
        address: str | None = None,
        language: str = "en",
        headers: dict[str, str] | None = None,
    ):
        self.port = port
        self.address = address
        self.language = language
        self.headers = headers or {}  # sent with every request (X-Forwarded-Proto, say)
        self.cookies: dict[str, str] = {}

    def get(self, path: str, port: int | None = None) -> Answer:
        """GET ``path`` (redirects are returned, not followed)."""
        return self.request("GET", path, port=port)

    def post(self, path: str, form: dict, port: int | None = None) -> Answer:
        """POST ``form`` as ``application/x-www-form-urlencoded``."""
        return self.request("POST", path, form, port=port)

    def request(
        self, method: str, path: str, form: dict | None = None, port: int | None = None
    ) -> Answer:
        """One request on its own connection, to ``port`` or this visitor's own server."""
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=120)
        headers = {"Accept-Language": self.language, **self.headers}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            received = {}
            for name, value in response.getheaders():
                received[name.lower()] = value
                if name.lower() == "set-cookie":
                    self._keep_cookie(value)
            return Answer(response.status, received, content)
        finally:
            connection.close()

    def _keep_cookie(self, header: str) -> None:
        """Keep a cookie the server set, or forget one it deleted."""
        key, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if "expires=thu, 01 jan 1970" in header.lower() or "max-age=0" in header.lower():
            self.cookies.pop(key.strip(), None)  # the server deleted it (a logout)
        else:
            self.cookies[key.strip()] = value
