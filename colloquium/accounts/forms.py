"""Forms of the account pages."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from colloquium.accounts.passwords import MAX_LENGTH
from colloquium.forms import Form


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class PasswordResetRequestForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class InviteUserForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("editor", _l("Editor of an association")),
            SelectChoice("organiser", _l("Organiser")),
        ],
    )
    association = SelectField(_l("Association"), choices=[], validate_choice=False)
    language = SelectField(
        _l("Language of the e-mails"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )


class TwoFactorSetupForm(Form):
    # The secret offered, sealed (encrypted and signed) so that the page keeps no state.
    offer = HiddenField()
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(), Length(max=20)])


class TwoFactorLoginForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class TwoFactorRemoveForm(Form):
    proof = PasswordField(
        _l("Your password, or a code from your app"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )
