"""Behind a reverse proxy: PROXY_COUNT decides whose X-Forwarded-* headers are believed.

Every visitor reaches the app from the proxy's address. Without trusting its headers, the
whole world would share one rate limit; trusting them without a proxy would let anyone
forge an address and escape every limit.
"""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from colloquium import create_app
from colloquium.clock import local_today
from tests.factories import make_edition
from tests.web import csrf_token

PROXY = {"REMOTE_ADDR": "10.0.0.1"}  # nginx, as the app sees it
FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "attendee_type": "research",
    "language": "en",
    "consent_privacy": "y",
}


def register(client, n: int, forwarded_for: str):
    """Fill the registration form in (its own CSRF token) and send it through the proxy."""
    token = csrf_token(client, "/register")
    return client.post(
        "/register",
        data={**FORM, "email": f"p{n}@example.org", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base=PROXY,
    )


@pytest.fixture
def behind_proxy(make_app):
    """An app told that one proxy stands in front of it, with an open edition."""
    app = make_app({"PROXY_COUNT": 1})
    with app.app_context():
        make_edition(local_today().year + 2)
        yield app


@pytest.fixture
def direct(make_app):
    """An app with the default setting (no proxy), with an open edition."""
    app = make_app()
    assert app.config["PROXY_COUNT"] == 0
    with app.app_context():
        make_edition(local_today().year + 2)
        yield app


def test_behind_a_trusted_proxy_25_visitors_are_25_visitors(behind_proxy):
    codes = [
        register(behind_proxy.test_client(), n, f"198.51.100.{n}").status_code for n in range(25)
    ]
    assert codes == [302] * 25  # the default limit is 10 per hour and per address


def test_behind_a_trusted_proxy_one_visitor_is_still_limited(behind_proxy):
    client = behind_proxy.test_client()
    codes = [register(client, n, "198.51.100.7").status_code for n in range(25)]
    assert codes == [302] * 10 + [429] * 15


def test_behind_a_trusted_proxy_a_forged_first_address_changes_nothing(behind_proxy):
    # The proxy appends the address it saw; only that last one is believed.
    client = behind_proxy.test_client()
    codes = [register(client, n, f"203.0.113.{n}, 198.51.100.7").status_code for n in range(12)]
    assert codes == [302] * 10 + [429] * 2


def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(direct):
    client = direct.test_client()
    codes = [register(client, n, f"198.51.100.{n}").status_code for n in range(12)]
    assert codes == [302] * 10 + [429] * 2


def test_hsts_follows_x_forwarded_proto_only_from_a_trusted_proxy(make_app):
    https = {"X-Forwarded-Proto": "https"}
    behind_proxy = make_app({"PROXY_COUNT": 1}).test_client()
    trusted = behind_proxy.get("/", headers=https, environ_base=PROXY)
    assert "max-age=31536000" in trusted.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in behind_proxy.get("/", environ_base=PROXY).headers
    forged = make_app().test_client().get("/", headers=https, environ_base=PROXY)
    assert forged.status_code == 200
    assert "Strict-Transport-Security" not in forged.headers


def test_the_proxy_count_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLOQUIUM_PROXY_COUNT", "2")
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path / "instance"))
    assert app.config["PROXY_COUNT"] == 2
    assert isinstance(app.wsgi_app, ProxyFix)
    assert app.wsgi_app.x_for == app.wsgi_app.x_proto == app.wsgi_app.x_host == 2


def test_no_proxy_no_middleware(tmp_path):
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path / "instance"))
    assert not isinstance(app.wsgi_app, ProxyFix)


@pytest.mark.parametrize("value", ["-1", '"one"', "true", "1.5"])
def test_a_proxy_count_that_is_not_a_whole_number_stops_the_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("COLLOQUIUM_PROXY_COUNT", value)
    with pytest.raises(RuntimeError, match="PROXY_COUNT"):
        create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path / "instance"))
