"""Logging in and out, password resets and invitations."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from colloquium.accounts import services, two_factor
from colloquium.accounts.forms import (
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    TwoFactorLoginForm,
    TwoFactorRemoveForm,
    TwoFactorSetupForm,
)
from colloquium.clock import utcnow
from colloquium.extensions import limiter
from colloquium.forms import transaction
from colloquium.security import BACK_OFFICE_PREFIX, form_view, login_required, private, safe_next

bp = Blueprint("accounts", __name__)

LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
LOGIN_ATTEMPTS_PER_ADDRESS = "50 per 15 minutes"
RESET_REQUESTS_PER_ACCOUNT = "3 per hour"
RESET_REQUESTS_PER_ADDRESS = "20 per hour"
# Between the password and the code, the session holds only these: who, since when, where to.
PENDING_ACCOUNT = "two_factor_account"
PENDING_SINCE = "two_factor_since"
PENDING_NEXT = "two_factor_next"
PENDING_SECONDS = 10 * 60


def _submitted_email() -> str:
    # The rate-limit key of an account: the address typed, as it would be looked up.
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _pending_account() -> str:
    # The rate-limit key of a second step: the account whose password was right.
    return "account:" + str(session.get(PENDING_ACCOUNT, "")).partition(":")[0]


def _current_account() -> str:
    # The rate-limit key of the two-step settings: the logged-in account.
    return "account:" + str(getattr(current_user, "id", ""))


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
        elif user.two_factor_enabled:
            # The password alone opens nothing: the session only remembers, for a few
            # minutes, which account may now give its second step (and its session version).
            session.clear()
            session[PENDING_ACCOUNT] = user.get_id()
            session[PENDING_SINCE] = int(utcnow().timestamp())
            session[PENDING_NEXT] = safe_next(form.next.data, "")
            return redirect(url_for("accounts.login_two_factor"))
        else:
            session.clear()  # nothing from before the login carries over into the new session
            login_user(user)
            return redirect(safe_next(form.next.data, _home_of(user)))
    form.password.data = ""
    return render_template("accounts/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(
    LOGIN_FAILURES_PER_ACCOUNT,
    key_func=_pending_account,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="two-factor-account",
)
@limiter.limit(LOGIN_ATTEMPTS_PER_ADDRESS, methods=["POST"], scope="two-factor-address")
@form_view
@private
def login_two_factor():
    """The second step of a login: a code of the app, or a recovery code."""
    since = session.get(PENDING_SINCE)
    fresh = isinstance(since, int) and 0 <= utcnow().timestamp() - since < PENDING_SECONDS
    user = services.pending_second_step(session.get(PENDING_ACCOUNT)) if fresh else None
    if user is None:
        for key in (PENDING_ACCOUNT, PENDING_SINCE, PENDING_NEXT):
            session.pop(key, None)
        flash(_("Please log in again."), "error")
        return redirect(url_for("accounts.login"))
    form = TwoFactorLoginForm()
    if form.validate_on_submit():
        with transaction(form) as outcome:
            step = services.pass_second_step(user, form.code.data)
        if outcome.ok:
            target = safe_next(session.get(PENDING_NEXT), _home_of(user))
            session.clear()
            login_user(user)
            if step.recovery_codes_left is not None:
                flash(_recovery_code_used(step.recovery_codes_left), "warning")
            return redirect(target)
        g.login_failed = True
    form.code.data = ""
    return render_template("accounts/login_two_factor.html", form=form)


def _recovery_code_used(left: int) -> str:
    return ngettext(
        "You used a recovery code: %(num)d is left.",
        "You used a recovery code: %(num)d are left.",
        left,
    )


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


@bp.route("/account/two-factor", methods=["GET", "POST"])
@limiter.limit(
    LOGIN_FAILURES_PER_ACCOUNT,
    key_func=_current_account,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="two-factor-settings",
)
@login_required
@form_view
@private
def two_factor_settings():
    """Set up two-step login (scan, confirm with a first code), or see that it is on."""
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        return render_template(
            "accounts/two_factor_on.html",
            form=TwoFactorRemoveForm(),
            codes_left=services.count_recovery_codes(user),
        )
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        with transaction(form, success=_("Two-step login is on.")) as outcome:
            codes = services.enable_two_factor(user, form.offer.data, form.code.data)
        if outcome.ok:
            login_user(user)  # this session goes on; the others ended with the change
            # Shown once, in this answer: they are not kept anywhere in clear.
            return render_template(
                "accounts/recovery_codes.html",
                codes=codes,
                next=safe_next(request.args.get("next"), _home_of(user)),
            )
        g.login_failed = True
    secret = services.offered_secret(user, form.offer.data)
    if secret is None:
        secret, form.offer.data = services.enrolment_offer(user)
    form.code.data = ""
    uri = two_factor.provisioning_uri(secret, user.email)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=two_factor.grouped(secret),
        qr=two_factor.qr_svg(uri, _("QR code to scan with your authenticator app")),
        required=services.must_set_up_two_factor(user),
    )


@bp.post("/account/two-factor/remove")
@limiter.limit(
    LOGIN_FAILURES_PER_ACCOUNT,
    key_func=_current_account,
    deduct_when=_login_failed,
    scope="two-factor-settings",
)
@login_required
@form_view
@private
def remove_two_factor():
    """Turn two-step login off, given the password or a current code."""
    user = current_user._get_current_object()
    form = TwoFactorRemoveForm()
    if user.two_factor_enabled and form.validate_on_submit():
        with transaction(form, success=_("Two-step login is off.")) as outcome:
            services.disable_two_factor(user, form.proof.data)
        if outcome.ok:
            return redirect(url_for("accounts.two_factor_settings"))
        g.login_failed = True
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    form.proof.data = ""
    return render_template(
        "accounts/two_factor_on.html", form=form, codes_left=services.count_recovery_codes(user)
    )


@bp.before_app_request
def _two_factor_before_the_back_office():
    """With REQUIRE_ORGANISER_2FA, organisers set up two-step login before the back office."""
    if not request.path.startswith(BACK_OFFICE_PREFIX) or not current_user.is_authenticated:
        return None
    if not services.must_set_up_two_factor(current_user):
        return None
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.two_factor_settings", next=target))


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
