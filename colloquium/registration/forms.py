"""The registration form and the form to change one's details."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from colloquium.forms import Form

ATTENDEE_TYPE_CHOICES = [
    SelectChoice("member_association", _l("Member association of the cooperative")),
    SelectChoice("ngo", _l("Other association or NGO")),
    SelectChoice("public_authority", _l("Public authority or elected official")),
    SelectChoice("research", _l("Research or teaching")),
    SelectChoice("press", _l("Press")),
    SelectChoice("individual", _l("Individual")),
    SelectChoice("other", _l("Other")),
]
LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]
REQUIRED = _l("This field is required.")


class DetailsForm(Form):
    """The details an attendee can give, and change later."""

    first_name = StringField(_l("First name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    organisation = StringField(
        _l("Organisation (optional)"),
        description=_l("The association, institution or media you come with, if any."),
        validators=[Optional(), Length(max=200)],
    )
    attendee_type = RadioField(
        _l("You are coming as"),
        choices=ATTENDEE_TYPE_CHOICES,
        validators=[InputRequired(_l("Choose one of the listed kinds of attendee."))],
    )
    language = RadioField(
        _l("Language for our e-mails"),
        choices=LANGUAGE_CHOICES,
        validators=[InputRequired(_l("Choose French or English."))],
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"),
        description=_l(
            "Wheelchair access, induction loop, sign language, a seat near the front… "
            "Tell us what would help; only the organisers read it."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    dietary_requirements = TextAreaField(
        _l("Dietary requirements (optional)"),
        description=_l("For the lunch served on the day."),
        validators=[Optional(), Length(max=2000)],
    )
    consent_contact = BooleanField(_l("Tell me about next year's colloquium (optional)."))


def _email_field(description) -> EmailField:
    """The attendee's address, trimmed and checked the same way on every form that asks it."""
    return EmailField(
        _l("E-mail address"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=description,
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Enter an e-mail address like name@example.org.")),
            Length(max=254),
        ],
    )


class RegistrationForm(DetailsForm):
    """Registering for the current edition."""

    email = _email_field(_l("We will send you a link to confirm your registration."))
    consent_privacy = BooleanField(
        _l(
            "I have read the privacy notice and agree that my details are used to run "
            "my registration."
        ),
        validators=[DataRequired(_l("Please accept the privacy notice to register."))],
    )
    # Left empty by people (it is hidden from them); bots fill in every field they find.
    website = StringField(_l("Leave this field empty"))


class ResendLinkForm(Form):
    """Ask for a new link to one's registration, by the address it was made with."""

    email = _email_field(_l("The address you registered with."))


class CheckInLookupForm(Form):
    """The door's one search box: a reference, a scanned QR code, or part of a name."""

    class Meta:
        csrf = False  # a GET search that changes nothing

    q = StringField(
        _l("Name, e-mail, organisation or reference"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l(
            "Part of a name is enough, accents or not; or the reference printed under the "
            "QR code, e.g. OCT27-7K4QX; or scan the QR code."
        ),
        validators=[
            DataRequired(REQUIRED),
            Length(max=200, message=_l("Type at most 200 characters.")),
        ],
    )


class CheckInForm(Form):
    """The button that records an attendee's arrival."""


class BadgeFilterForm(Form):
    """Which badges to print: one kind of attendee, or names holding some words."""

    class Meta:
        csrf = False  # a GET filter that changes nothing

    type = SelectField(
        _l("Attendee type"),
        choices=[SelectChoice("", _l("Every type")), *ATTENDEE_TYPE_CHOICES],
        validators=[Optional()],
    )
    q = StringField(
        _l("Name"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=100, message=_l("Type at most 100 characters."))],
    )
