"""Public pages rendered once per content version, and answered 304 when the reader has them.

Each worker process keeps its own cache (``app.extensions["page_cache"]``): a page is stored
under the version of the content it shows, read with one small query on every request. A
change saved anywhere raises that version in the database, so every worker of every server
renders the page again on its next request: no shared cache, no message between workers.

A form page the same for every anonymous visitor but for its CSRF token (the registration
form) is kept in a cache of its own, under everything it shows rather than under the version,
its token left as a placeholder that each answer replaces with the visitor's own
(``shared_form``, ``form_page``).
"""

import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from threading import Lock

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

from colloquium.clock import local_today
from colloquium.content.models import THE_ROW, ContentVersion
from colloquium.db import AUTOCOMMIT
from colloquium.i18n import select_locale

# What a page built for someone else must never carry: their cookies, and the headers this
# module sets afresh on every answer.
_NOT_KEPT = frozenset(
    ("set-cookie", "content-length", "content-type", "etag", "last-modified", "cache-control")
)
_VERSION = sa.select(ContentVersion.__table__.c.version, ContentVersion.__table__.c.changed_at)
_VERSION = _VERSION.where(ContentVersion.__table__.c.id == THE_ROW)
# Flask-Login keeps the account of a logged-in visitor under this key of the session, and
# Flask the messages still to show under the other: a page for either is theirs alone.
_LOGGED_IN = "_user_id"
_FLASHES = "_flashes"
# A page made for one visitor: their browser may keep it, a shared proxy may not.
PERSONAL = "private, no-cache"
# Stands for the CSRF token in a kept form page. Drawn by each process, so that no text
# written for the site can hold it and receive a visitor's token.
_TOKEN_PLACEHOLDER = secrets.token_hex(16).encode()


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A rendered page as kept: its bytes, its type, its own headers, its ETag."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    etag: str

    @property
    def size(self) -> int:
        """The bytes it holds, for the cache's bound."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers) + 200


class PageCache:
    """Pages of one content version, least recently used first out, within ``max_bytes``.

    Thread safe: gunicorn may serve several requests of one process at once.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.total_bytes = 0
        self.version: int | None = None
        self._pages: OrderedDict[tuple, tuple[StoredPage, int]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        """How many pages are kept."""
        return len(self._pages)

    def get(self, key: tuple, version: int) -> StoredPage | None:
        """The page stored under ``key`` for ``version``, if any."""
        with self._lock:
            if version != self.version:
                # The content changed: every page kept shows the old one, so none is kept.
                self._pages.clear()
                self.total_bytes = 0
                self.version = version
                return None
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
            return found[0]

    def put(self, key: tuple, version: int, page: StoredPage) -> None:
        """Keep ``page`` under ``key`` if it shows the current version and fits at all."""
        size = page.size + sum(len(str(part)) for part in key)
        with self._lock:
            if version != self.version or size > self.max_bytes:
                return
            previous = self._pages.pop(key, None)
            if previous is not None:
                self.total_bytes -= previous[1]
            self._pages[key] = (page, size)
            self.total_bytes += size
            while self.total_bytes > self.max_bytes:
                _key, (_page, evicted) = self._pages.popitem(last=False)
                self.total_bytes -= evicted


def content_version() -> tuple[int, datetime] | None:
    """The content's version and when it changed (None if the row is missing: no caching).

    Read outside the request's session, on a connection without a transaction: one round trip
    (no BEGIN, no ROLLBACK), and a hit never opens the session at all. A page rendered after
    it reads data at least as new as this version, so a page is never kept under a version
    newer than the content it shows.
    """
    with current_app.extensions[AUTOCOMMIT].connect() as connection:
        row = connection.execute(_VERSION).first()
    return None if row is None else (row[0], row[1])


def _is_personal() -> bool:
    """Whether this visitor's page may differ from everyone else's: logged in, or a message."""
    return _LOGGED_IN in session or _FLASHES in session


def _query_key() -> tuple:
    """The query arguments, in an order that does not depend on how the address wrote them."""
    # By name, keeping the order of a name's values: ``?q=a&q=b`` searches for ``a``.
    return tuple(sorted((name, tuple(values)) for name, values in request.args.lists()))


def _page_key(language: str, *shown: object) -> tuple:
    """What a kept page is found by: its address, language, today's date, and ``shown``, what
    the page shows beyond them (the content's version, or a form's own data)."""
    return (request.endpoint, request.path, _query_key(), language, local_today(), *shown)


def _plain(response: Response) -> bool:
    """Whether a rendered page is a 200 whose body is in hand, without a cookie of its own."""
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    return "Set-Cookie" not in response.headers


def _storable(response: Response, open_data: bool) -> bool:
    """Whether the page just rendered is everyone's: nothing personal was made for it."""
    if not _plain(response):
        return False
    if open_data:  # built from the address and Accept-Language alone
        return True
    # A form's CSRF token, or anything else the render put in the session, is this visitor's.
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return not session.modified and csrf_field not in g and not _is_personal()


def _stored(response: Response, body: bytes | None = None) -> StoredPage:
    """What is kept of a rendered page: its body (``body`` if given), type, own headers, ETag."""
    body = response.get_data() if body is None else body
    return StoredPage(
        body=body,
        content_type=response.content_type or "",
        headers=tuple(
            (name, value) for name, value in response.headers if name.lower() not in _NOT_KEPT
        ),
        etag=hashlib.sha256(body).hexdigest()[:40],
    )


def _answer(page: StoredPage, changed_at: datetime, cache_control: str) -> Response:
    """A fresh response for a stored page (the app's after-request hooks still add theirs)."""
    response = current_app.response_class(page.body, headers=page.headers)
    response.headers["Content-Type"] = page.content_type
    response.set_etag(page.etag)
    response.last_modified = changed_at
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


def _revalidated(response: Response, cache_control: str) -> Response:
    """A page that is not kept: still an ETag, so that the reader revalidates it cheaply."""
    if response.status_code == 200 and not response.is_streamed and not response.direct_passthrough:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:40])
        response.headers["Cache-Control"] = cache_control
        return response.make_conditional(request)
    return response


def cached_page(view: Callable | None = None, *, language: Callable[[], str] | None = None):
    """Serve the view's page from the cache while the content it shows has not changed.

    ``@cached_page`` for a page: its language is the page's (``?lang=``, the cookie, the
    browser's), and a logged-in visitor or one with a message waiting gets their own page,
    never kept. ``@cached_page(language=open_data_language)`` for open data: the same document
    for everyone who asks in that language, whoever they are.
    """
    if view is None:
        return lambda inner: cached_page(inner, language=language)
    open_data = language is not None
    choose_language = language or select_locale
    cache_control = "public, no-cache" if open_data else "no-cache"

    @wraps(view)
    def wrapped(*args, **kwargs):
        """The stored page if there is one for this version, else the view's, then stored."""
        if not open_data and _is_personal():
            return _revalidated(current_app.make_response(view(*args, **kwargs)), PERSONAL)
        version = content_version() if request.method in ("GET", "HEAD") else None
        if version is None:
            return _revalidated(current_app.make_response(view(*args, **kwargs)), cache_control)
        number, changed_at = version
        cache: PageCache = current_app.extensions["page_cache"]
        key = _page_key(choose_language(), number)
        page = cache.get(key, number)
        if page is None:
            response = current_app.make_response(view(*args, **kwargs))
            if not _storable(response, open_data):
                personal = not open_data and _is_personal()
                return _revalidated(response, PERSONAL if personal else cache_control)
            page = _stored(response)
            cache.put(key, number, page)
        return _answer(page, changed_at, cache_control)

    wrapped.same_for_everyone = open_data
    return wrapped


def shared_form() -> bool:
    """Whether this form page may be everyone's but for its token (see ``form_page``).

    Only a GET (or HEAD) by an anonymous visitor without a message is.
    """
    return request.method in ("GET", "HEAD") and not _is_personal()


# A form is kept under what it shows, never under a version: its cache has this one.
_FORM_VERSION = 0


def form_page(shown: tuple, render: Callable[[], ResponseReturnValue]) -> Response:
    """The form page of ``render`` kept for ``shown``, with this visitor's own CSRF token.

    ``shown`` holds every value the page shows from the database (for the registration form,
    the edition's title, date, city, seats and closing time), read by the view before it
    calls this: the page is rendered once per language, address and ``shown``, and needs no
    content version, so a hit runs only the view's own query. Its token is kept as a
    placeholder, replaced on every answer by ``generate_csrf()``: each visitor gets their
    own, its secret in their session as after a render, so the answer keeps its session
    cookie and the view's ``Cache-Control``. Nothing else of the visitor's is in the page:
    ``shared_form`` sent the others to their own render. Forms have a cache of their own
    (``app.extensions["form_cache"]``): the seats left change with every confirmation, and
    their pages must not push the public pages out.
    """
    cache: PageCache = current_app.extensions["form_cache"]
    key = _page_key(select_locale(), *shown)
    page = cache.get(key, _FORM_VERSION)
    if page is None:
        response = current_app.make_response(render())
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if token and _plain(response):
            body = response.get_data().replace(token.encode(), _TOKEN_PLACEHOLDER)
            cache.put(key, _FORM_VERSION, _stored(response, body))
        return response  # this visitor's own render
    response = current_app.response_class(
        page.body.replace(_TOKEN_PLACEHOLDER, generate_csrf().encode()), headers=page.headers
    )
    response.headers["Content-Type"] = page.content_type
    return response


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without ``Vary: Cookie`` on open data.

    Flask-Login looks into the session after every request, so Flask would say that every
    answer depends on the cookies; a document the same for everyone does not, and a shared
    proxy may then keep one copy per language.
    """

    _serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once for the app's keys rather than twice a request.

        Building one costs more than using it: itsdangerous tries its JSON serializer out
        each time. A new key (or fallback) builds a new one.
        """
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._serializer
        if built is None or built[0] != keys:
            built = self._serializer = (keys, super().get_signing_serializer(app))
        return built[1]

    def save_session(self, app: Flask, session, response: Response) -> None:
        """Save as Flask does, then drop ``Cookie`` from Vary when the view ignores it."""
        super().save_session(app, session, response)
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "same_for_everyone", False) and "Set-Cookie" not in response.headers:
            kept = [header for header in response.vary if header.lower() != "cookie"]
            response.headers["Vary"] = ", ".join(kept)


def init_app(app: Flask) -> None:
    """Give this process its page cache and its form cache."""
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_MAX_BYTES"])
    # A form page is about 20 KB, one per language and count of seats left: a sixteenth of
    # the pages' room holds hundreds of them.
    app.extensions["form_cache"] = PageCache(app.config["PAGE_CACHE_MAX_BYTES"] // 16)
    app.session_interface = _SessionInterface()
