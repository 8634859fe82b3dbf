"""Markdown written by people (profiles, sessions, speakers' bios) as sanitised HTML."""

import threading
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr",
}  # fmt: skip

# Texts rendered lately, kept by their content: a page or the JSON API renders the same few
# hundred texts on every request, and a text changes only when someone edits it. Bounded in
# number and in length, so a worker keeps at most about 2,048 x 3 x 4,000 characters (25 MB);
# a longer text (a profile may have 20,000 characters) is rare and rendered every time.
RECENT_TEXTS = 2048
LONGEST_KEPT = 4000

# Building a Markdown parser costs more than converting a short text with it, so each thread
# keeps one and resets it between texts (a parser is not safe to share between threads).
_parsers = threading.local()


def _parser() -> markdown.Markdown:
    """This thread's Markdown parser."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = markdown.Markdown(output_format="html")
    return parser


def render_markdown(text: str | None) -> Markup:
    """Markdown as HTML, sanitised: no scripts, no event handlers, no images or styles.

    Links keep only http, https and mailto addresses and get ``rel="nofollow noopener"``.
    """
    text = text or ""
    if len(text) > LONGEST_KEPT:
        return _sanitised_html.__wrapped__(text)
    return _sanitised_html(text)


@lru_cache(maxsize=RECENT_TEXTS)
def _sanitised_html(text: str) -> Markup:
    """The sanitised HTML of ``text`` (the same text always gives the same HTML)."""
    if not text:
        return Markup("")
    html = _parser().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return Markup(clean)  # noqa: S704 (nh3 has just removed everything unsafe)
