"""Markdown written by people (profiles, sessions, speakers' bios) as sanitised HTML."""

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr",
}  # fmt: skip


def render_markdown(text: str | None) -> Markup:
    """Markdown as HTML, sanitised: no scripts, no event handlers, no images or styles.

    Links keep only http, https and mailto addresses and get ``rel="nofollow noopener"``.
    """
    html = markdown.markdown(text or "", output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return Markup(clean)  # noqa: S704 (nh3 has just removed everything unsafe)
