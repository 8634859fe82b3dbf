"""Forms of the organisers' programme pages."""

from datetime import date

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from colloquium.forms import Form, in_both_languages
from colloquium.programme.labels import KIND_LABELS, LANGUAGE_LABELS, ROLE_LABELS
from colloquium.programme.services import MAX_SEATS

# A new session offers enough rows for a panel; "Add a speaker row" offers more, one by one,
# up to a bound that no real session reaches (and that keeps a hostile form small).
MIN_SPEAKER_ROWS = 4
MAX_SPEAKER_ROWS = 20
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when a step below 60 s is set
TIME_MESSAGE = _l("Enter a time as HH:MM, for example 09:30.")


def _optional_id(value):
    return int(value) if value not in (None, "") else None


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def _none_or(label, things) -> list[SelectChoice]:
    """An empty choice first, then one per thing (by id, shown by name)."""
    return [SelectChoice("", label)] + [SelectChoice(str(thing.id), thing.name) for thing in things]


class RoomForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    seats = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0, max=MAX_SEATS)])
    access_notes_fr, access_notes_en = in_both_languages(
        TextAreaField, _l("Access notes"), validators=[Length(max=2000)]
    )


class SpeakerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    title_fr, title_en = in_both_languages(
        StringField, _l("Title or position"), validators=[Length(max=200)]
    )
    affiliation_fr, affiliation_en = in_both_languages(
        StringField, _l("Affiliation"), validators=[Length(max=200)]
    )
    bio_fr, bio_en = in_both_languages(
        TextAreaField, _l("Biography"), validators=[Length(max=10000)]
    )
    email = EmailField(_l("E-mail address (private)"), validators=[Length(max=254)])
    association_id = SelectField(_l("Member association"), coerce=_optional_id)
    photo = FileField(_l("Photo"))
    remove_photo = BooleanField(_l("Remove the current photo"))

    def __init__(self, *args, associations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.association_id.choices = _none_or(_l("None"), associations)


class SpeakerRowForm(wtforms.Form):
    """One line of a session's speakers: who, and in which role."""

    speaker_id = SelectField(_l("Speaker"), coerce=_optional_id, validate_choice=False)
    role = SelectField(
        _l("Role"), choices=_choices(ROLE_LABELS.items()), default="speaker", validate_choice=False
    )


def _day(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class SessionForm(Form):
    title_fr, title_en = in_both_languages(
        StringField, _l("Title"), required=True, validators=[Length(max=200)]
    )
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS.items()))
    day = SelectField(_l("Day"), coerce=_day)
    starts_at = TimeField(
        _l("Starts"),
        format=TIME_FORMATS,
        invalid_value_message=TIME_MESSAGE,
        validators=[InputRequired()],
    )
    ends_at = TimeField(
        _l("Ends"),
        format=TIME_FORMATS,
        invalid_value_message=TIME_MESSAGE,
        validators=[InputRequired()],
    )
    room_id = SelectField(_l("Room"), coerce=_optional_id)
    language = SelectField(_l("Language"), choices=_choices(LANGUAGE_LABELS.items()))
    interpretation = BooleanField(_l("Interpretation provided"))
    expected_audience = IntegerField(
        _l("Expected audience"), validators=[Optional(), NumberRange(min=0, max=MAX_SEATS)]
    )
    summary_fr, summary_en = in_both_languages(
        TextAreaField, _l("Summary"), validators=[Length(max=1000)]
    )
    description_fr, description_en = in_both_languages(
        TextAreaField, _l("Description"), validators=[Length(max=20000)]
    )
    speakers = FieldList(
        FormField(SpeakerRowForm), label=_l("Speakers"), max_entries=MAX_SPEAKER_ROWS
    )
    more_speakers = SubmitField(_l("Add a speaker row"))

    def __init__(self, *args, days=(), rooms=(), speakers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.day.choices = [SelectChoice(day.isoformat(), label) for day, label in days]
        self.room_id.choices = _none_or(_l("No room yet"), rooms)
        self._speaker_choices = _none_or(_l("Nobody"), speakers)
        self._set_speaker_choices()

    def add_speaker_rows(self, more: int = 0) -> bool:
        """One empty row more than the filled ones (at least a panel's), ``more`` rows added.

        False when the bound is reached and the rows asked for cannot all be offered.
        """
        filled = len(self.chosen_speakers())
        wanted = max(len(self.speakers) + more, filled + 1, MIN_SPEAKER_ROWS)
        while len(self.speakers) < min(wanted, MAX_SPEAKER_ROWS):
            self.speakers.append_entry()
        self._set_speaker_choices()
        return wanted <= MAX_SPEAKER_ROWS

    def chosen_speakers(self) -> list[tuple[int, str]]:
        """(speaker id, role) of the filled rows, in their order."""
        return [
            (row.speaker_id.data, row.role.data)
            for row in self.speakers
            if row.speaker_id.data is not None
        ]

    def _set_speaker_choices(self) -> None:
        for row in self.speakers:
            row.speaker_id.choices = self._speaker_choices


class CopyForm(Form):
    target = SelectField(_l("Copy into the edition of"), coerce=int)
    with_sessions = BooleanField(_l("Also copy the sessions (titles, kinds, rooms and times)"))

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = _choices((edition.year, edition.year) for edition in editions)
