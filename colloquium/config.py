"""Configuration: defaults, then ``instance/config.py``, then ``COLLOQUIUM_*`` variables."""

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # SQLite in the instance folder, set in finalise()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    PUBLIC_URL = "http://127.0.0.1:5000"
    # How many reverse proxies in front of the app add X-Forwarded-For/-Proto/-Host. 0: none,
    # the connecting address is the visitor's (and a forged X-Forwarded-For changes nothing).
    PROXY_COUNT = 0

    MAIL_SERVER = None  # no SMTP: mail stays in the outbox and is logged in development
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Colloque ECTEH <colloque@example.org>"
    MAIL_REPLY_TO = None
    MAIL_TIMEOUT = 15
    MAIL_MAX_ATTEMPTS = 8

    RATELIMIT_STORAGE_URI = "memory://"
    REGISTRATION_RATE_LIMIT = "10 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    RETENTION_DAYS = 90
    REMINDER_DAYS = 7  # reminders go to confirmed attendees from this many days before the day
    REQUIRE_ORGANISER_2FA = False  # True: organisers set up two-step login before the back office

    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    PRIVACY_POLICY_VERSION = "2026-11"

    SESSION_COOKIE_SECURE = None  # None: secure cookies exactly when PUBLIC_URL is https
    REMEMBER_COOKIE_SECURE = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; no timed-out forms
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # Rendered public pages kept by each worker process (colloquium/content/cache.py); 0 keeps
    # none (every request renders its page).
    PAGE_CACHE_MAX_BYTES = 64 * 1024 * 1024


def load_config(app: Flask, test_config: dict | None) -> None:
    """Layer the settings in their documented order, then fill in derived defaults."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("COLLOQUIUM")
    if test_config:
        app.config.update(test_config)
    _finalise(app)


def _finalise(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'colloquium.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance / "secret_key")
    app.config["PUBLIC_URL"] = str(app.config["PUBLIC_URL"]).rstrip("/")
    proxies = app.config["PROXY_COUNT"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise RuntimeError(f"PROXY_COUNT must be a whole number, 0 or more, not {proxies!r}")
    https = app.config["PUBLIC_URL"].startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(name) is None:
            app.config[name] = https


def _instance_secret_key(path: Path) -> str:
    """Read the generated secret key, creating it once.

    The key is written to a private temporary file and linked into place, so workers
    starting together never see a half-written key: one link wins, the others read it.
    """
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to generate a new secret key")
    return key
