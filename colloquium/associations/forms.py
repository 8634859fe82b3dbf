"""Forms of the profile editor and of the organisers' pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from colloquium.associations.models import AREAS
from colloquium.associations.services import ProfileValues, Upload
from colloquium.forms import Form, MultiCheckboxField, in_both_languages
from colloquium.images import MAX_UPLOAD_BYTES


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Length(max=30)])
    summary_fr, summary_en = in_both_languages(
        TextAreaField, _l("Summary"), validators=[Length(max=280)]
    )
    description_fr, description_en = in_both_languages(
        TextAreaField, _l("Description"), validators=[Length(max=20000)]
    )
    website = StringField(_l("Website"), validators=[Length(max=500)])
    public_email = EmailField(_l("Public e-mail address"), validators=[Length(max=254)])
    city = StringField(_l("City"), validators=[Length(max=100)])
    country = StringField(_l("Country"), validators=[Length(max=100)], default="France")
    areas = MultiCheckboxField(_l("Areas of action"))
    member_since = IntegerField(_l("Member since"), validators=[Optional()])
    logo = FileField(_l("Logo"))
    remove_logo = BooleanField(_l("Remove the current logo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = [SelectChoice(code, label) for code, label in AREAS.items()]

    def profile_values(self) -> ProfileValues:
        """What was submitted, as the service takes it (the logo read as bytes)."""
        upload = None
        if self.logo.data and getattr(self.logo.data, "filename", ""):
            upload = Upload(self.logo.data.stream.read(MAX_UPLOAD_BYTES + 1))
        return ProfileValues(
            name=self.name.data or "",
            acronym=self.acronym.data or "",
            summary_fr=_text(self.summary_fr.data),
            summary_en=_text(self.summary_en.data),
            description_fr=_text(self.description_fr.data),
            description_en=_text(self.description_en.data),
            website=self.website.data or "",
            public_email=self.public_email.data or "",
            city=self.city.data or "",
            country=self.country.data or "",
            areas=list(self.areas.data or []),
            member_since=self.member_since.data,
            logo=upload,
            remove_logo=bool(self.remove_logo.data),
        )


def _text(data: str | None) -> str:
    """A text area's value with the browser's line breaks made plain."""
    return (data or "").replace("\r\n", "\n")


class NewAssociationForm(ProfileForm):
    slug = StringField(_l("Short name in addresses"), validators=[DataRequired(), Length(max=80)])


class InviteEditorForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
