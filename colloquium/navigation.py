"""The main menu: one place that knows which sections the site has."""

from flask import Flask, url_for

from colloquium.i18n import gettext as _


def main_navigation() -> list[tuple[str, str, str]]:
    """(endpoint, href, label) for each entry of the main menu, in order."""
    return [
        ("editions.home", url_for("editions.home"), _("Colloquium")),
        ("programme.current", url_for("programme.current"), _("Programme")),
        ("registration.register", url_for("registration.register"), _("Register")),
        ("associations.directory", url_for("associations.directory"), _("Associations")),
        ("pages.resources", url_for("pages.resources"), _("Resources")),
        ("pages.about", url_for("pages.about"), _("About")),
    ]


def init_app(app: Flask) -> None:
    """Make the menu available to every template."""
    app.jinja_env.globals["main_navigation"] = main_navigation
