"""The audit page's filters: one action, a range of days."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import DateInput

from colloquium.audit.labels import ACTIONS
from colloquium.forms import Form

# Outside these years a day names no entry; the bounds keep "the day after" computable.
FIRST_YEAR, LAST_YEAR = 2000, 2200


def _known_action(form, field) -> None:
    if field.data and field.data not in ACTIONS:
        raise ValidationError(_l("Choose an action from the list; this one is ignored."))


def _day(form, field) -> None:
    try:
        day = date.fromisoformat(field.data.strip())
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date as year-month-day; this one is ignored."))


class AuditFilterForm(Form):
    """Which entries to show: a plain GET form, its wrong values ignored and said so."""

    class Meta:
        csrf = False  # a GET filter that changes nothing

    action = SelectField(
        _l("Action"), default="", validate_choice=False, validators=[_known_action]
    )
    first_day = StringField(
        _l("From"), name="from", widget=DateInput(), validators=[Optional(), _day]
    )
    last_day = StringField(_l("To"), name="to", widget=DateInput(), validators=[Optional(), _day])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _l("Every action"))] + [
            (code, label) for code, label in ACTIONS.items()
        ]

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then a range that ends before it starts."""
        valid = super().validate(extra_validators)
        first, last = self.day(self.first_day), self.day(self.last_day)
        if first and last and last < first:
            self.last_day.errors.append(_l("This day is before the first one; it is ignored."))
            return False
        return valid

    @staticmethod
    def day(field) -> date | None:
        """A date field's day, or None when empty or wrong."""
        if field.errors or not (field.data or "").strip():
            return None
        return date.fromisoformat(field.data.strip())

    def filters(self) -> dict:
        """The valid filters, as the query string keeps them from page to page."""
        kept = {}
        if self.action.data and not self.action.errors:
            kept["action"] = self.action.data
        if self.day(self.first_day):
            kept["from"] = self.day(self.first_day).isoformat()
        if self.day(self.last_day):
            kept["to"] = self.day(self.last_day).isoformat()
        return kept
