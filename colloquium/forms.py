"""Small pieces every domain's forms share, and the one place a web request commits."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from colloquium.errors import DomainError
from colloquium.extensions import db


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as a group of checkboxes (no JavaScript needed)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error next to its field, or at the top when it names no field."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


@dataclass
class Outcome:
    """How a request's transaction ended: committed, or refused by a ``DomainError``."""

    ok: bool = False
    error: DomainError | None = None


@contextmanager
def transaction(
    form: FlaskForm | None = None,
    *,
    success: str | None = None,
    refusal_category: str = "error",
) -> Iterator[Outcome]:
    """The one place where a web request commits or rolls back what its services did.

    The block calls services, which only ``flush()``. When it ends normally, everything is
    committed at once (the outbox's mail included) and ``success`` is flashed. A
    ``DomainError`` rolls everything back and is shown: next to its field when a ``form`` is
    given, else as a flashed message; the caller reads ``outcome.ok`` to choose its answer.
    Any other exception rolls back and goes on to the error page.
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        outcome.error = error
        if form is not None:
            show_domain_error(form, error)
        else:
            flash(str(error.message), refusal_category)
        return
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    outcome.ok = True
    if success:
        flash(success, "success")


def saved(form: FlaskForm, save: Callable[[], Any], success_message: str) -> bool:
    """The usual form view step: validate, call the service, commit once and say so.

    Returns False (nothing saved, errors next to their fields) whenever the caller should
    show the form again with what was typed.
    """
    if not form.validate_on_submit():
        return False
    with transaction(form, success=success_message) as outcome:
        save()
    return outcome.ok
