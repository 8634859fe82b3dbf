"""Texts people write in French and in English: which one a page shows, and how it marks it."""

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale, refresh
from wtforms import StringField

from colloquium.forms import Form, in_both_languages
from colloquium.i18n import in_both_languages as open_data_texts
from colloquium.i18n import missing_languages, open_data_language, page_language, written


def _thing(**texts):
    values = {"title_fr": "", "title_en": "", "summary_fr": "", "summary_en": ""}
    return SimpleNamespace(**{**values, **texts})


def test_the_pages_language_comes_first_then_the_other_one_marked_foreign(app):
    both = _thing(title_fr="Ouverture", title_en="Opening")
    only_french = _thing(title_fr="Ouverture", title_en="   ")
    with app.test_request_context("/?lang=en"):
        assert page_language() == "en"
        assert written(both, "title") == written(both, "title", "en")
        assert (written(both, "title").text, written(both, "title").foreign) == ("Opening", False)
        shown = written(only_french, "title")
        assert (shown.text, shown.language, shown.foreign) == ("Ouverture", "fr", True)
        assert not written(_thing(), "title")
    with app.test_request_context("/?lang=fr"):
        refresh()  # the test's app context outlives the request: forget the English locale
        assert written(both, "title").text == "Ouverture"
        assert written(both, "title", language="xx").text == "Ouverture"  # unknown: the page's


def test_a_mail_rendered_in_a_language_shows_that_language(app):
    with app.test_request_context("/?lang=fr"), force_locale("en"):
        assert written(_thing(title_fr="Ouverture", title_en="Opening"), "title").text == "Opening"


def test_pages_mark_a_text_in_the_other_language_with_its_lang_attribute(app):
    template = (
        '{% from "macros/content.html" import text, markdown %}'
        '<h1>{{ text(thing, "title") }}</h1>{{ markdown(thing, "summary") }}'
    )
    thing = _thing(title_fr="Table <ronde>", summary_fr="**Gras** <script>x</script>")
    with app.test_request_context("/?lang=en"):
        html = render_template_string(template, thing=thing)
    assert '<h1><span lang="fr">Table &lt;ronde&gt;</span></h1>' in html
    assert '<div class="prose" lang="fr"><p><strong>Gras</strong>' in html
    assert "<script>" not in html
    with app.test_request_context("/?lang=fr"):
        refresh()
        html = render_template_string(template, thing=thing)
    assert "<h1>Table &lt;ronde&gt;</h1>" in html
    assert '<div class="prose"><p>' in html


def test_open_data_gives_the_asked_language_and_both_beside_it(app):
    thing = _thing(title_fr="Ouverture")
    with app.test_request_context("/"):
        assert open_data_texts(thing, "title", "en") == {
            "title": "Ouverture",
            "title_fr": "Ouverture",
            "title_en": "",
        }


def test_organisers_see_which_language_is_missing():
    assert missing_languages(_thing(title_fr="Ouverture"), ("title", "summary")) == ["en"]
    assert missing_languages(_thing(summary_en="Why"), ("title", "summary")) == ["fr"]
    assert missing_languages(_thing(title_fr="A", title_en="B"), ("title",)) == []
    assert missing_languages(_thing(), ("title",)) == []  # nothing written: nothing missing


class _TitleForm(Form):
    class Meta:
        csrf = False

    title_fr, title_en = in_both_languages(StringField, "Title", required=True)


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"title_fr": "Ouverture"}, True),
        ({"title_en": "Opening"}, True),
        ({"title_fr": "  ", "title_en": ""}, False),
        ({}, False),
    ],
)
def test_a_required_text_needs_one_of_its_two_languages(app, data, valid):
    with app.test_request_context("/?lang=fr", method="POST", data=data):
        form = _TitleForm()
        assert form.validate() is valid
        if not valid:
            assert form.title_fr.errors == ["Écrivez-le en français ou en anglais (ou les deux)."]
            assert form.title_en.errors == []


def test_each_field_says_its_language_in_its_label_and_its_lang_attribute(app):
    with app.test_request_context("/?lang=fr"):
        form = _TitleForm()
        assert form.title_fr.label.text == "Title (en français)"
        assert 'lang="en"' in str(form.title_en())
        assert 'lang="fr"' in str(form.title_fr())


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("?lang=en", {}, "en"),
        ("?lang=xx", {"Accept-Language": "en-GB,en;q=0.8"}, "en"),
        ("", {"Accept-Language": "de"}, "fr"),
        ("", {"Cookie": "lang=en"}, "fr"),  # the same document whoever fetches it
    ],
)
def test_open_data_takes_the_asked_language_else_the_headers_else_french(
    app, query, headers, expected
):
    with app.test_request_context("/api/v1/programme" + query, headers=headers):
        assert open_data_language() == expected
