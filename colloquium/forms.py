"""Small pieces every domain's forms share, and the one place a web request commits."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import StopValidation

from colloquium.errors import DomainError
from colloquium.extensions import db

# C0 control characters. PostgreSQL refuses a NUL byte in text with an exception, and the
# others have no business in a name or an address (they can hide text in a CSV or a log).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")
# A multi-line text keeps its tabs and line breaks (browsers send CR LF).
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A password is only ever hashed, never stored, shown or searched as text; refusing more
# than the NUL byte could lock out an account whose password has a tab pasted in.
NUL = re.compile(r"\x00")
# Every integer column is a 32-bit INTEGER: PostgreSQL and SQLite refuse more with an error.
INTEGER_LIMIT = 2**31 - 1
MAX_PAGE = 100_000

CONTROL_CHARACTER_MESSAGE = _l("Remove the control characters (such as a NUL byte) from this text.")
NUMBER_RANGE_MESSAGE = _l("Enter a smaller number.")


def _text_pattern(field: StringField) -> re.Pattern:
    """Which characters ``field`` refuses, by kind of field."""
    if isinstance(field, PasswordField):
        return NUL
    if isinstance(field.widget, widgets.TextArea):
        return CONTROL_CHARACTERS_IN_LINES
    return CONTROL_CHARACTERS


def _refuse_control_characters(field: StringField, form) -> None:
    """Before any other check of a text field: no control characters (a field error)."""
    if isinstance(field.data, str) and _text_pattern(field).search(field.data):
        raise StopValidation(str(CONTROL_CHARACTER_MESSAGE))


def _refuse_huge_integers(field: IntegerField, form) -> None:
    """Before any other check of a number field: it fits the database's INTEGER."""
    if isinstance(field.data, int) and abs(field.data) > INTEGER_LIMIT:
        raise StopValidation(str(NUMBER_RANGE_MESSAGE))


def _check_of(field: Field) -> Callable[[Field, Any], None] | None:
    """The shared check a bound field gets, by kind of field."""
    if isinstance(field, IntegerField):
        return _refuse_huge_integers
    if isinstance(field, StringField):
        return _refuse_control_characters
    return None


class Form(FlaskForm):
    """The base of every form: text without control characters, numbers that fit a column.

    A NUL byte or a number beyond 32 bits is a field error before any other check, never a
    database exception. ``tests/test_hostile_input.py`` fails on a form not derived from it.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            """Bind the field as usual, then put the shared check before its own."""
            field = unbound_field.bind(form=form, **options)
            check = _check_of(field)
            if check is not None:
                own_check = field.pre_validate

                def pre_validate(form):
                    check(field, form)
                    own_check(form)

                field.pre_validate = pre_validate
            return field


def page_argument(name: str = "page") -> int:
    """The page number asked in the query string, within 1…``MAX_PAGE`` (1 when unusable)."""
    page = request.args.get(name, 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def search_argument(name: str = "q", max_length: int = 100) -> str:
    """A search text from the query string, its control characters dropped (never queried)."""
    return CONTROL_CHARACTERS.sub("", request.args.get(name, ""))[:max_length]


LANGUAGE_NAMES = {"fr": _l("in French"), "en": _l("in English")}
WRITE_IN_ONE_LANGUAGE = _l("Write it in French or in English (or both).")


def in_both_languages(
    field_class: type[Field], label, *, required: bool = False, validators=(), **options
) -> tuple[Any, Any]:
    """The two fields of a text written in French and English: ``<name>_fr``, ``<name>_en``.

    Both get the same checks; when the text is ``required``, one of the two is enough (the
    message goes next to the French field). Each input carries its ``lang`` attribute, so
    spell-checkers and screen readers use the right language.
    """
    fields = []
    for code in ("fr", "en"):
        checks = [*validators]
        if required and code == "fr":
            checks.insert(0, _one_language_required)
        render_kw = {**options.pop("render_kw", {}), "lang": code}
        fields.append(
            field_class(
                _l("%(label)s (%(language)s)", label=label, language=LANGUAGE_NAMES[code]),
                validators=checks,
                render_kw=render_kw,
                **options,
            )
        )
    return fields[0], fields[1]


def _one_language_required(form, field) -> None:
    """A required text: at least one of its two languages is filled in."""
    twin = form[field.name[: -len("_fr")] + "_en"]
    if not (field.data or "").strip() and not (twin.data or "").strip():
        raise StopValidation(str(WRITE_IN_ONE_LANGUAGE))


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
