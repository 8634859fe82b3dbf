"""The back office's own forms: an edition, created or changed."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from colloquium.editions.services import EditionChanges
from colloquium.forms import Form, in_both_languages

MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


class EditionForm(Form):
    """Every field of an edition; lengths and bounds are the service's, as on the command line."""

    date = DateField(_l("Date of the colloquium"), validators=[InputRequired()])
    title_fr, title_en = in_both_languages(StringField, _l("Title"), validators=[Optional()])
    theme_fr, theme_en = in_both_languages(TextAreaField, _l("Theme"), validators=[Optional()])
    venue_name = StringField(_l("Venue"), validators=[Optional()])
    venue_address = StringField(_l("Address"), validators=[Optional()])
    city = StringField(_l("City"), validators=[Optional()])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[InputRequired()])
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=MOMENT_FORMAT, validators=[InputRequired()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=MOMENT_FORMAT, validators=[InputRequired()]
    )

    def changes(self, timezone) -> EditionChanges:
        """The typed values as the service takes them; date-times are read in ``timezone``."""
        return EditionChanges(
            date=self.date.data,
            title_fr=self.title_fr.data or "",
            title_en=self.title_en.data or "",
            theme_fr=self.theme_fr.data or "",
            theme_en=self.theme_en.data or "",
            venue_name=self.venue_name.data or "",
            venue_address=self.venue_address.data or "",
            city=self.city.data or "",
            capacity=self.capacity.data,
            registration_opens_at=self.registration_opens_at.data.replace(tzinfo=timezone),
            registration_closes_at=self.registration_closes_at.data.replace(tzinfo=timezone),
        )


class NewEditionForm(EditionForm):
    """A new edition: its year too, and whether to bring the latest edition's rooms."""

    year = IntegerField(_l("Year"), validators=[InputRequired()])
    copy_rooms = BooleanField(_l("Copy the rooms of the latest edition"), default=True)
