"""Sanitised Markdown: one parser per thread reused from text to text, recent texts kept."""

import threading

from colloquium.markdown import LONGEST_KEPT, RECENT_TEXTS, _sanitised_html, render_markdown


def test_a_text_does_not_see_the_link_references_of_the_text_rendered_before_it():
    defines = "See [the report][1].\n\n[1]: https://example.org/report"
    assert 'href="https://example.org/report"' in render_markdown(defines)
    # The same parser renders the next text: its references must have been forgotten.
    uses = "Read [the report][1] again."
    assert "href" not in render_markdown(uses)
    assert render_markdown(uses) == "<p>Read [the report][1] again.</p>"


def test_the_same_text_renders_the_same_sanitised_html_every_time():
    text = "**Bold** <script>alert(1)</script> [site](javascript:alert(1))"
    first = render_markdown(text)
    assert "<script" not in first and "javascript:" not in first
    assert render_markdown(text) == first
    assert render_markdown(None) == render_markdown("") == ""


def test_threads_render_at_once_without_mixing_their_texts():
    texts = [f"Paragraph *{number}*\n\n- item {number}" for number in range(200)]
    _sanitised_html.cache_clear()  # every thread must parse, not find its text already kept
    results = {}

    def render(offset):
        results[offset] = [str(render_markdown(text)) for text in texts[offset::4]]

    threads = [threading.Thread(target=render, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for offset, htmls in results.items():
        for html, number in zip(htmls, range(offset, 200, 4), strict=True):
            assert (
                html == f"<p>Paragraph <em>{number}</em></p>\n<ul>\n<li>item {number}</li>\n</ul>"
            )


def test_at_most_a_bounded_number_of_texts_are_kept():
    _sanitised_html.cache_clear()
    for number in range(RECENT_TEXTS + 10):
        render_markdown(f"text {number}")
    assert _sanitised_html.cache_info().currsize == RECENT_TEXTS


def test_a_long_text_is_rendered_but_not_kept():
    _sanitised_html.cache_clear()
    long_text = " ".join(["word"] * (LONGEST_KEPT // 5 + 1))
    assert len(long_text) > LONGEST_KEPT
    assert render_markdown(long_text) == f"<p>{long_text}</p>"
    assert _sanitised_html.cache_info().currsize == 0
