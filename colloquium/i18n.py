"""Language choice (``?lang=`` cookie, then Accept-Language, French), formats of dates and
sizes, and texts people write in French and in English (``<field>_fr``, ``<field>_en``)."""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import Flask, Response, current_app, g, request, url_for
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)

from colloquium.extensions import babel

LANG_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """The page language: an explicit ``?lang=``, the remembered choice, the browser's, French."""
    languages = current_app.config["LANGUAGES"]
    if request:
        asked = request.args.get("lang")
        if asked in languages:
            return asked
        remembered = request.cookies.get(LANG_COOKIE)
        if remembered in languages:
            return remembered
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def url_in_language(code: str) -> str:
    """This page's address with ``?lang=code``, keeping its other query parameters."""
    view_args = request.view_args or {}
    # A query parameter named like a path argument, or like one of url_for's own options
    # (``_external``, ``_scheme``…), would clash with them: such a page only ever comes from
    # a hand-made address, so those parameters are dropped from the link.
    args = {
        name: values
        for name, values in request.args.to_dict(flat=False).items()
        if name not in view_args and not name.startswith("_")
    }
    args["lang"] = [code]
    if request.endpoint and request.url_rule is not None:
        return url_for(request.endpoint, **view_args, **args)
    return "?" + urlencode(args, doseq=True)


CONTENT_LANGUAGES = ("fr", "en")


def page_language() -> str:
    """The language the page (or the mail being rendered) is in: ``fr`` or ``en``."""
    locale = get_locale()
    language = locale.language if locale is not None else ""
    return language if language in CONTENT_LANGUAGES else CONTENT_LANGUAGES[0]


def open_data_language() -> str:
    """The JSON API's language: ``?lang=``, else the Accept-Language header, else French.

    Unlike a page, open data ignores the remembered choice (the cookie): the same address
    with the same headers gives the same document, whoever fetches it.
    """
    asked = request.args.get("lang")
    if asked in CONTENT_LANGUAGES:
        return asked
    return request.accept_languages.best_match(CONTENT_LANGUAGES) or CONTENT_LANGUAGES[0]


@dataclass(frozen=True)
class Written:
    """A text people wrote, as shown in some language: the text and the language it is in.

    ``foreign`` is true when only the other language was filled in: the page then marks the
    text with its ``lang`` attribute, so that screen readers switch voice.
    """

    text: str
    language: str
    foreign: bool = False

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def written(thing, field: str, language: str | None = None) -> Written:
    """``thing.<field>_<language>``, else the other language's text, else an empty text."""
    language = language if language in CONTENT_LANGUAGES else page_language()
    other = next(code for code in CONTENT_LANGUAGES if code != language)
    text = getattr(thing, f"{field}_{language}") or ""
    if text.strip():
        return Written(text, language)
    fallback = getattr(thing, f"{field}_{other}") or ""
    if fallback.strip():
        return Written(fallback, other, foreign=True)
    return Written("", language)


def in_both_languages(thing, field: str, language: str | None = None) -> dict[str, str]:
    """The open-data form of a text: in ``language`` (else the other) and both beside it."""
    texts = {f"{field}_{code}": getattr(thing, f"{field}_{code}") or "" for code in ("fr", "en")}
    return {field: written(thing, field, language).text, **texts}


def missing_languages(thing, fields: tuple[str, ...]) -> list[str]:
    """The languages some of ``fields`` lack while the other language has them (for organisers)."""
    missing = []
    for code in CONTENT_LANGUAGES:
        other = next(language for language in CONTENT_LANGUAGES if language != code)
        for field in fields:
            if (
                not (getattr(thing, f"{field}_{code}") or "").strip()
                and (getattr(thing, f"{field}_{other}") or "").strip()
            ):
                missing.append(code)
                break
    return missing


def long_date(value: date | datetime, weekday: bool = False) -> str:
    """ "17 octobre 2027" / "17 October 2027" (day first in both languages)."""
    pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
    return format_date(value, pattern)


def time_of_day(value: datetime) -> str:
    """ "14:30" in the configured time zone."""
    return format_datetime(value, "HH:mm")


def long_datetime(value: datetime) -> str:
    """ "16 octobre 2027 à 23:59" style, in the configured time zone."""
    return format_datetime(value, "d MMMM y, HH:mm")


def file_size(size: int) -> str:
    """ "1,2 Mo" / "1.2 MB", "850 Ko" / "850 kB": a file's size in the page's language."""
    if size >= 1024 * 1024:
        return gettext("%(size)s MB", size=format_decimal(size / (1024 * 1024), "#,##0.#"))
    return gettext("%(size)s kB", size=format_decimal(max(size / 1024, 1), "#,##0"))


def current_translations() -> NullTranslations:
    """Flask-Babel's ``get_translations()``, found once per language rather than per string.

    Flask-Babel keys its catalogs by ``str(locale)``, rebuilt (with its context walked three
    times) for each of the page's dozens of strings. The answer only changes with the
    locale object or the domain on its context (``g._flask_babel``): ``force_locale`` and
    ``refresh()`` replace the locale object, never mutate it. So the answer is remembered
    there beside the objects it was found for, and asked again when either is another one.
    """
    try:
        context = g._flask_babel
    except (AttributeError, RuntimeError):  # no language chosen yet, or no app context
        return get_translations()
    remembered = getattr(context, "colloquium_translations", None)
    if (
        remembered is not None
        and remembered[0] is getattr(context, "babel_locale", None)
        and remembered[1] is getattr(context, "babel_domain", None)
    ):
        return remembered[2]
    translations = get_translations()  # chooses the locale and the domain if not yet done
    context.colloquium_translations = (context.babel_locale, context.babel_domain, translations)
    return translations


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, through ``current_translations``: for strings on every page."""
    translated = current_translations().ugettext(string)
    return translated % variables if variables else translated


def add_vary(response: Response, *names: str) -> None:
    """Add each of ``names`` to the response's ``Vary`` header that it does not hold yet.

    Werkzeug's ``response.vary`` parses the header and writes it back at every addition:
    on every answer, that was a share of a small page's time worth saving.
    """
    present = response.headers.get("Vary")
    if not present:
        response.headers["Vary"] = ", ".join(names)
        return
    held = {part.strip().lower() for part in present.split(",")}
    missing = [name for name in names if name.lower() not in held]
    if missing:
        response.headers["Vary"] = ", ".join((present, *missing))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel, remember ``?lang=`` in a cookie, expose formatters to templates."""
    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def _remember_language(response):
        asked = request.args.get("lang")
        if asked in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != asked:
            response.set_cookie(
                LANG_COOKIE,
                asked,
                max_age=ONE_YEAR,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure,
            )
        # Open data ignores the cookie (``open_data_language``): the same for everyone.
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "same_for_everyone", False):
            add_vary(response, "Accept-Language")
        else:
            add_vary(response, "Accept-Language", "Cookie")
        return response

    # Templates translate through ``current_translations`` (Flask-Babel's callables would
    # look the catalog up afresh for every string).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: current_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: current_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    # ``_`` is Jinja's alias that looks ``gettext`` up in the template's context on each call;
    # no context defines its own ``gettext``, so it can be that function itself.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]
    app.jinja_env.globals["url_in_language"] = url_in_language
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["long_datetime"] = long_datetime
    app.jinja_env.filters["time_of_day"] = time_of_day
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["written"] = written
    app.jinja_env.globals["missing_languages"] = missing_languages

    @app.context_processor
    def _language_context():
        return {"current_language": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
