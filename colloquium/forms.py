"""Small pieces every domain's forms share."""

from collections.abc import Callable

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
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def saved(form: FlaskForm, save: Callable[[], object], success_message: str) -> bool:
    """The usual form view step: validate, call the service, commit once and say so.

    A ``DomainError`` from the service rolls back and lands next to its field; the caller
    re-shows the form (with what was typed) whenever this returns False.
    """
    if not form.validate_on_submit():
        return False
    try:
        save()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False
    db.session.commit()
    flash(success_message, "success")
    return True
