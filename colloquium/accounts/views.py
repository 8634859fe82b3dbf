"""Logging in and out, password resets and invitations."""

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from colloquium.accounts import services
from colloquium.accounts.forms import LoginForm, NewPasswordForm, PasswordResetRequestForm
from colloquium.extensions import limiter
from colloquium.forms import transaction
from colloquium.security import form_view, login_required, private, safe_next

bp = Blueprint("accounts", __name__)

LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
LOGIN_ATTEMPTS_PER_ADDRESS = "50 per 15 minutes"
RESET_REQUESTS_PER_ACCOUNT = "3 per hour"
RESET_REQUESTS_PER_ADDRESS = "20 per hour"


def _submitted_email() -> str:
    # The rate-limit key of an account: the address typed, as it would be looked up.
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    LOGIN_FAILURES_PER_ACCOUNT,
    key_func=_submitted_email,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(LOGIN_ATTEMPTS_PER_ADDRESS, methods=["POST"], scope="login-address")
@form_view
@private
def login():
    """The login form; the same message whatever was wrong."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, _home_of(current_user)))
    if form.validate_on_submit():
        with transaction():
            user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            form.form_errors.append(_("Wrong e-mail address or password."))
        else:
            session.clear()  # nothing from before the login carries over into the new session
            login_user(user)
            return redirect(safe_next(form.next.data, _home_of(user)))
    form.password.data = ""
    return render_template("accounts/login.html", form=form)


def _home_of(user) -> str:
    if user.is_organiser:
        return url_for("admin.dashboard")
    if user.association is not None:
        return url_for("associations.profile", slug=user.association.slug)
    return url_for("editions.home")


@bp.post("/logout")
@login_required
def logout():
    """End the session here and everywhere this account was logged in."""
    with transaction(success=_("You are logged out.")):
        services.end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("editions.home"))


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(
    RESET_REQUESTS_PER_ACCOUNT, key_func=_submitted_email, methods=["POST"], scope="reset"
)
@limiter.limit(RESET_REQUESTS_PER_ADDRESS, methods=["POST"], scope="reset-address")
@form_view
@private
def request_password_reset():
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        with transaction():
            services.request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@form_view
@private
def reset_password(token: str):
    """Choose a new password through an e-mailed link."""
    return _new_password_page(token, services.RESET_PURPOSE, "accounts/reset_password.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@form_view
@private
def invitation(token: str):
    """Accept an invitation by choosing a password."""
    return _new_password_page(token, services.INVITATION_PURPOSE, "accounts/invitation.html")


def _new_password_page(token: str, purpose: str, template: str):
    user = services.user_for_token(token, purpose)
    if user is None:
        return render_template("accounts/link_invalid.html", purpose=purpose), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        with transaction(form, success=_("Your password is saved. You can log in now.")) as outcome:
            services.use_token(token, purpose, form.password.data)
        if outcome.ok:
            logout_user()
            return redirect(url_for("accounts.login"))
    return render_template(template, form=form, user=user)
