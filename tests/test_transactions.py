"""The one way a web request ends: ``transaction()`` commits or rolls back; pages say no-store."""

import ast
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import transaction
from tests.factories import COMING_YEAR, make_edition, make_user
from tests.web import log_in

PACKAGE = Path(__file__).resolve().parent.parent / "colloquium"
VIEW_MODULES = sorted([*PACKAGE.glob("*/views.py"), *PACKAGE.glob("*/admin.py")])


class NameForm(FlaskForm):
    name = StringField()


def _capacity(year: int) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(Edition.capacity).filter_by(year=year))


def test_a_block_that_ends_normally_is_committed_and_says_so(app):
    edition = make_edition(COMING_YEAR, capacity=10)
    with app.test_request_context(method="POST"):
        with transaction(success="Saved.") as outcome:
            edition.capacity = 20
            db.session.flush()
        assert outcome.ok and outcome.error is None
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
    db.session.rollback()  # a commit survives a rollback
    assert _capacity(COMING_YEAR) == 20


def test_a_domain_error_rolls_back_and_lands_next_to_its_field(app):
    edition = make_edition(COMING_YEAR, capacity=10)
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        with transaction(form, success="Saved.") as outcome:
            edition.capacity = 20
            db.session.flush()
            raise DomainError("name", "Not this name.")
        assert not outcome.ok and outcome.error.message == "Not this name."
        assert form.name.errors == ["Not this name."]
        assert get_flashed_messages() == []
    assert _capacity(COMING_YEAR) == 10


def test_a_domain_error_without_a_form_is_flashed_in_its_category(app):
    make_edition(COMING_YEAR, capacity=10)
    with app.test_request_context(method="POST"):
        with transaction(refusal_category="warning") as outcome:
            raise DomainError(None, "Too late.")
        assert not outcome.ok
        assert get_flashed_messages(with_categories=True) == [("warning", "Too late.")]


def test_any_other_error_rolls_back_and_goes_on(app):
    edition = make_edition(COMING_YEAR, capacity=10)
    with app.test_request_context(method="POST"):
        with pytest.raises(ZeroDivisionError), transaction(success="Saved."):
            edition.capacity = 20
            db.session.flush()
            _ = 1 / 0
        assert get_flashed_messages() == []
    assert _capacity(COMING_YEAR) == 10


@pytest.mark.parametrize(
    "module", VIEW_MODULES, ids=lambda path: path.parent.name + "/" + path.name
)
def test_no_view_module_commits_or_rolls_back_itself(module):
    calls = [
        node.func.attr
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]
    assert calls == [], f"{module}: use colloquium.forms.transaction() instead of {calls}"


def test_every_back_office_page_is_never_stored(app, client):
    make_user("organiser@example.org", role="organiser")
    log_in(client, "organiser@example.org")
    pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and "GET" in rule.methods and not rule.arguments
    ]
    assert len(pages) >= 5
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_pages_without_personal_data_may_be_stored(client):
    assert "no-store" not in client.get("/about").headers.get("Cache-Control", "")
