"""Registration's forms: registering, changing one's details, the organisers' list and export,
check-in, writing to attendees."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from colloquium.forms import CONTROL_CHARACTERS, Form, MultiCheckboxField
from colloquium.registration import services
from colloquium.registration.messages import Audience, MessageText
from colloquium.registration.services import RegistrationDetails

ATTENDEE_TYPE_CHOICES = [
    SelectChoice(value, label) for value, label in services.ATTENDEE_TYPE_LABELS.items()
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


def _choices(labels: dict) -> list[SelectChoice]:
    """Each value with its label, as a list of choices."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def _all(labels: dict) -> list[SelectChoice]:
    """A filter's choices: "All" (no filter), then each value with its label."""
    return [SelectChoice("", _l("All")), *_choices(labels)]


class RegistrationFilterForm(Form):
    """The organisers' search, filters and order over an edition's registrations (a GET).

    A value that is not offered (a mistyped or forged address) counts as no filter: the list
    still shows, never an error page.
    """

    class Meta:
        csrf = False  # a GET search that changes nothing

    q = SearchField(
        _l("Search"),
        description=_l("Name, e-mail address, organisation or reference."),
        validators=[Optional(), Length(max=100)],
    )
    status = SelectField(
        _l("Status"),
        choices=_all(
            {
                "confirmed": _l("Confirmed"),
                "waitlisted": _l("Waiting list"),
                "unconfirmed": _l("Not confirmed"),
                "cancelled": _l("Cancelled"),
            }
        ),
        validate_choice=False,
    )
    type = SelectField(
        _l("Attendee"), choices=_all(services.ATTENDEE_TYPE_LABELS), validate_choice=False
    )
    language = SelectField(
        _l("Language"), choices=_all(services.LANGUAGE_LABELS), validate_choice=False
    )
    needs = SelectField(_l("Needs"), choices=_all(services.NEEDS_LABELS), validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=_choices(services.SORT_LABELS), validate_choice=False)

    def selection(self) -> services.RegistrationSelection:
        """What the form asks for, unusable values dropped; the fields then show just that."""
        selection = services.select_registrations(
            search=CONTROL_CHARACTERS.sub("", self.q.data or ""),
            status=self.status.data,
            attendee_type=self.type.data,
            language=self.language.data,
            needs=self.needs.data,
            sort=self.sort.data,
        )
        self.q.data = selection.search
        self.status.data = selection.status
        self.type.data = selection.attendee_type
        self.language.data = selection.language
        self.needs.data = selection.needs
        self.sort.data = selection.sort
        return selection


class RegistrationExportForm(RegistrationFilterForm):
    """Export what the list's filters select, with the columns the organiser ticks (a POST)."""

    class Meta:
        csrf = True

    columns = MultiCheckboxField(
        _l("Columns"),
        choices=_choices(
            {name: services.EXPORT_COLUMN_LABELS[name] for name in services.EXPORT_COLUMNS}
        ),
        default=services.DEFAULT_EXPORT_COLUMNS,
    )

    def validate_columns(self, field: MultiCheckboxField) -> None:
        """At least one column (not ``DataRequired``: it would make every box required)."""
        if not field.data:
            raise ValidationError(_l("Tick at least one column."))

    def chosen_columns(self) -> list[str]:
        """The ticked columns, in the file's order."""
        return [name for name in services.EXPORT_COLUMNS if name in (self.columns.data or ())]


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


class OrganiserActionForm(Form):
    """An organiser's action on one registration, done only once "I am sure" is ticked."""

    sure = BooleanField(
        _l("I am sure"),
        validators=[DataRequired(_l("Tick this box to go ahead."))],
    )


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
