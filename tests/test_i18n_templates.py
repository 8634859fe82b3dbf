"""Templates and the menu translate into the language being rendered: the page's, a mail's,
after a change."""

from flask import g, render_template_string
from flask_babel import Domain, force_locale, get_translations, refresh

from colloquium.i18n import current_translations, gettext
from colloquium.mail.outbox import render_mail
from colloquium.navigation import main_navigation

STRINGS = (
    '{{ _("Yes") }}|{% trans %}Yes{% endtrans %}|{{ pgettext("one registration", "Confirmed") }}'
    '|{{ ngettext("%(num)d account.", "%(num)d accounts.", 2) }}'
)
FRENCH = "Oui|Oui|Confirmée|2 comptes."
ENGLISH = "Yes|Yes|Confirmed|2 accounts."


def test_a_template_follows_force_locale_and_back(app):
    with app.test_request_context("/?lang=fr"):
        assert render_template_string(STRINGS) == FRENCH
        with force_locale("en"):
            assert render_template_string(STRINGS) == ENGLISH
        assert render_template_string(STRINGS) == FRENCH


def test_a_mail_to_an_english_attendee_written_during_a_french_request_is_in_english(app):
    with app.test_request_context("/?lang=fr"):
        assert render_template_string('{{ _("Hello,") }}') == "Bonjour,"
        mail = render_mail("mail/test", "en", {"recipient": "ada@example.org"})
        assert mail.subject == "Test message from the colloquium's website"
        assert "Hello," in mail.text
        french = render_mail("mail/test", "fr", {"recipient": "ada@example.org"})
        assert "Bonjour," in french.text
        assert render_template_string('{{ _("Hello,") }}') == "Bonjour,"


def test_outside_a_request_templates_use_the_default_language_or_the_forced_one(app):
    assert render_template_string(STRINGS) == FRENCH
    with force_locale("en"):
        assert render_template_string(STRINGS) == ENGLISH
    assert render_template_string(STRINGS) == FRENCH


def test_a_template_follows_the_language_chosen_again_after_refresh(app, monkeypatch):
    with app.test_request_context("/?lang=fr"):
        assert render_template_string(STRINGS) == FRENCH
        monkeypatch.setattr(app.extensions["babel"], "locale_selector", lambda: "en")
        refresh()
        assert render_template_string(STRINGS) == ENGLISH


def test_the_translations_found_are_flask_babels_own(app):
    with app.test_request_context("/?lang=en"):
        assert current_translations() is get_translations()
        with force_locale("fr"):
            assert current_translations() is get_translations()
        assert current_translations() is get_translations()
        # Another domain made the request's own: its catalogs, not the remembered ones.
        other = Domain(domain="messages")
        other.as_default()
        assert current_translations() is get_translations()
        assert g._flask_babel.babel_domain is other


def test_the_menu_and_python_strings_follow_force_locale(app):
    with app.test_request_context("/?lang=fr"):
        assert "Ressources" in [label for _endpoint, _href, label in main_navigation()]
        assert gettext("%(size)s MB", size="1,2") == "1,2\N{NO-BREAK SPACE}Mo"
        with force_locale("en"):
            assert "Resources" in [label for _endpoint, _href, label in main_navigation()]
            assert gettext("%(size)s MB", size="1.2") == "1.2 MB"
        assert "Ressources" in [label for _endpoint, _href, label in main_navigation()]
