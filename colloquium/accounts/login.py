"""Logging in: Flask-Login set up on this domain's accounts and their session versions."""

from flask import Flask

from colloquium.accounts.services import load_session_user
from colloquium.extensions import login_manager


def init_app(app: Flask) -> None:
    """Set up logins: the login page, and how a session finds its account."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    # The id kept in the session is "<user id>:<session version>"; raising the version in the
    # database (logout, password change, deactivation) makes every copy of the cookie useless.
    login_manager.user_loader(load_session_user)
