"""Login failures are rate-limited per account: 429 after 5 wrong attempts in 15 minutes.

The same tests run on the in-memory storage and on Redis (what several app servers share).
"""

import os
import uuid

import pytest
import redis

from colloquium.extensions import limiter
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.web import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, make_app):
    """An app whose rate limits live in memory, or in Redis under a prefix of its own."""
    if request.param == "memory":
        app = make_app({"RATELIMIT_STORAGE_URI": "memory://"})
        prefix = None
    else:
        if not _redis_answers():
            if os.environ.get("REQUIRE_REDIS"):
                pytest.fail(
                    f"Redis is required (REQUIRE_REDIS is set) but does not answer at {REDIS_URL}"
                )
            pytest.skip(f"Redis does not answer at {REDIS_URL}")
        prefix = f"colloquium-test-{uuid.uuid4().hex}"
        app = make_app({"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix})
    with app.app_context():
        yield app
    # Flask-Limiter keeps the first key prefix it is given on its shared instance; put it
    # back so that the next test's app gets its own, and leave Redis clean.
    limiter._key_prefix = None
    if prefix:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def _attempt(client, email, password):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def test_five_wrong_passwords_lock_the_account_for_a_while(limited_app):
    if limited_app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        assert limiter._storage.__class__.__name__.lower().startswith("redis")
    make_user("boss@example.org", role="organiser")
    client = limited_app.test_client()
    for _ in range(5):
        assert _attempt(client, "boss@example.org", "wrong password, again").status_code == 200
    # The right password no longer helps: the account is locked for the window.
    assert _attempt(client, "boss@example.org", DEFAULT_PASSWORD).status_code == 429
    # The limit counts per account, not per visitor: another account still works,
    # and the same address written differently is the same account.
    make_user("other@example.org", role="organiser")
    assert _attempt(client, "other@example.org", DEFAULT_PASSWORD).status_code == 302
    stranger = limited_app.test_client()
    assert _attempt(stranger, " BOSS@example.org", DEFAULT_PASSWORD).status_code == 429


def test_successful_logins_do_not_count(limited_app):
    make_user("boss@example.org", role="organiser")
    client = limited_app.test_client()
    for _ in range(7):
        assert _attempt(client, "boss@example.org", DEFAULT_PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    for _ in range(4):
        assert _attempt(client, "boss@example.org", "wrong password, again").status_code == 200
    assert _attempt(client, "boss@example.org", DEFAULT_PASSWORD).status_code == 302


def test_unknown_addresses_are_limited_the_same_way(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        assert _attempt(client, "ghost@example.org", "wrong password, again").status_code == 200
    assert _attempt(client, "ghost@example.org", "wrong password, again").status_code == 429


def test_reset_requests_are_limited_per_address_typed(client):
    def ask(email):
        return client.post(
            "/password/reset",
            data={"email": email, "csrf_token": csrf_token(client, "/password/reset")},
        )

    for _ in range(3):
        assert ask("ghost@example.org").status_code == 200
    assert ask("ghost@example.org").status_code == 429
    assert ask("someone.else@example.org").status_code == 200


def test_login_attempts_from_one_address_are_limited_too(client):
    # 50 attempts per 15 minutes from one network address, whatever the accounts tried.
    for number in range(50):
        assert _attempt(client, f"guess{number}@example.org", "not this one").status_code == 200
    assert _attempt(client, "guess-last@example.org", "not this one").status_code == 429
