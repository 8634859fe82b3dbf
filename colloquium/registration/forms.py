"""The registration form and the form to change one's details."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from colloquium.forms import Form
from colloquium.registration.services import RegistrationDetails

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
    """Type a registration's reference when its QR code cannot be scanned."""

    class Meta:
        csrf = False  # a GET search that changes nothing

    reference = StringField(
        _l("Reference"),
        description=_l("As printed under the QR code, e.g. OCT27-7K4QX."),
        validators=[DataRequired(REQUIRED), Length(max=20)],
    )


class CheckInForm(Form):
    """The button that records an attendee's arrival."""


class AddRegistrationForm(RegistrationForm):
    """An organiser registers someone by hand: the fields of the public form.

    The organiser asks the person and records their answer to the privacy notice: a
    registration is never kept without that consent, whoever typed it in.
    """

    email = _email_field(
        _l("The confirmation, with the QR code and the link to manage it, is sent there.")
    )
    attendee_type = RadioField(
        _l("Coming as"),
        choices=ATTENDEE_TYPE_CHOICES,
        validators=[InputRequired(_l("Choose one of the listed kinds of attendee."))],
    )
    consent_privacy = BooleanField(
        _l(
            "The person has read the privacy notice (or heard it from me) and agrees that "
            "their details are used to run their registration."
        ),
        validators=[
            DataRequired(
                _l(
                    "Record that the person agreed to the privacy notice: without it "
                    "no registration is kept."
                )
            )
        ],
    )
    consent_contact = BooleanField(
        _l("The person would like to hear about next year's colloquium (optional).")
    )
    override = BooleanField(
        _l("Confirm over capacity"),
        description=_l(
            "Every seat is taken: the person is confirmed all the same, recorded as an "
            "override that holds no seat."
        ),
    )
    website = None  # no honeypot: only organisers see this form

    def registration_details(self) -> RegistrationDetails:
        """The person's details as the registration services take them."""
        return RegistrationDetails(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.email.data,
            organisation=self.organisation.data or "",
            attendee_type=self.attendee_type.data,
            language=self.language.data,
            accessibility_needs=self.accessibility_needs.data or "",
            dietary_requirements=self.dietary_requirements.data or "",
            consent_privacy=self.consent_privacy.data,
            consent_contact=self.consent_contact.data,
        )


class OrganiserActionForm(Form):
    """An organiser's action on one registration, done only once "I am sure" is ticked."""

    sure = BooleanField(
        _l("I am sure"),
        validators=[DataRequired(_l("Tick this box to go ahead."))],
    )
