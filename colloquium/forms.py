"""Small pieces every domain's forms share."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from colloquium.db import DomainError


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
