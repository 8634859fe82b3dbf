"""Markdown written by organisers (bios, descriptions), rendered then sanitised."""

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h3",
    "h4",
    "code",
}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``: Markdown, then only harmless tags, links with rel=noopener."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(text, output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (nh3 has just sanitised it)
