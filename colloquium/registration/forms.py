"""Registration's forms: registering, changing one's details, check-in, writing to attendees."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from colloquium.forms import Form, MultiCheckboxField
from colloquium.registration.messages import Audience, MessageText

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
COUNT = re.compile(r"[0-9]{1,9}")


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


STATUS_CHOICES = [
    SelectChoice("confirmed", _l("Confirmed")),
    SelectChoice("waitlisted", _l("Waiting list")),
    SelectChoice("unconfirmed", _l("Not confirmed")),
    SelectChoice("cancelled", _l("Cancelled")),
]


class MessageForm(Form):
    """A message to a group of attendees: who, what in each language, preview, then send."""

    statuses = MultiCheckboxField(
        _l("Status"),
        choices=STATUS_CHOICES,
        default=["confirmed"],
        validators=[DataRequired(_l("Choose at least one status."))],
    )
    attendee_types = MultiCheckboxField(_l("Attendee type"), choices=ATTENDEE_TYPE_CHOICES)
    languages = MultiCheckboxField(_l("Language"), choices=LANGUAGE_CHOICES)
    accessibility_needs = BooleanField(_l("Only people who told us of accessibility needs"))
    subject_fr = StringField(_l("Subject in French"), validators=[Optional(), Length(max=200)])
    body_fr = TextAreaField(_l("Message in French"), validators=[Optional(), Length(max=20000)])
    subject_en = StringField(_l("Subject in English"), validators=[Optional(), Length(max=200)])
    body_en = TextAreaField(_l("Message in English"), validators=[Optional(), Length(max=20000)])
    # What the preview showed: the count, and a digest of the audience and the text.
    recipient_count = HiddenField()
    previewed = HiddenField()
    confirm_send = BooleanField(_l("Send to these people"))
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def audience(self) -> Audience:
        """The chosen filters; no type or no language chosen means every one."""
        return Audience(
            statuses=tuple(self.statuses.data or ()),
            attendee_types=tuple(self.attendee_types.data or ()),
            languages=tuple(self.languages.data or ()),
            accessibility_needs=bool(self.accessibility_needs.data),
        )

    def text(self) -> MessageText:
        """The subjects and bodies as typed."""
        return MessageText(
            subject_fr=self.subject_fr.data or "",
            subject_en=self.subject_en.data or "",
            body_fr=self.body_fr.data or "",
            body_en=self.body_en.data or "",
        )

    def confirmed_count(self) -> int | None:
        """The number of people the organiser saw in the preview, if any."""
        value = self.recipient_count.data or ""
        return int(value) if COUNT.fullmatch(value) else None


class RemindersForm(Form):
    """Send the reminder now, once sure."""

    confirm = BooleanField(
        _l("I am sure: send the reminder to the confirmed attendees who have not had it"),
        validators=[DataRequired(_l("Tick the box to send the reminders."))],
    )
