"""The main menu: one place that knows which sections the site has."""

from flask import Flask, url_for
from flask_babel import gettext as _


def main_navigation() -> list[tuple[str, str, str]]:
    """(endpoint, href, label) for each entry of the main menu, in order."""
    return [
        ("editions.home", url_for("editions.home"), _("Colloquium")),
        ("pages.about", url_for("pages.about"), _("About")),
        ("pages.resources", url_for("pages.resources"), _("Resources")),
        ("associations.directory", url_for("associations.directory"), _("Associations")),
        ("registration.register", url_for("registration.register"), _("Register")),
    ]


def init_app(app: Flask) -> None:
    """Make the menu available to every template."""
    app.jinja_env.globals["main_navigation"] = main_navigation
