"""The cooperative's static pages and the health check."""

from flask import Blueprint, current_app, render_template

from colloquium.content.cache import cached_page
from colloquium.db import database_answers
from colloquium.extensions import db
from colloquium.resources import services as brochures
from colloquium.security import private

bp = Blueprint("pages", __name__)
PLAIN_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/about")
@cached_page
def about():
    """The cooperative: who it is and why it holds a colloquium every 17 October."""
    return render_template("pages/about.html")


@bp.get("/resources")
@cached_page
def resources():
    """The reference texts the cooperative acts on, and its brochures to download."""
    return render_template("pages/resources.html", brochures=brochures.list_brochures())


@bp.get("/privacy")
def privacy():
    """The privacy notice."""
    return render_template(
        "pages/privacy.html",
        retention_days=current_app.config["RETENTION_DAYS"],
        policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
    )


@bp.get("/healthz")
@private
def healthz():
    """200 ``ok`` when the database answers, 503 otherwise (for load balancers)."""
    if not database_answers(db.session):
        current_app.logger.warning("Health check: the database does not answer")
        return "unavailable\n", 503, PLAIN_TEXT
    return "ok\n", 200, PLAIN_TEXT
