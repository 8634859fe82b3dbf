"""Manage, invitation and reset tokens never appear in a log line."""

import logging
import sys
import threading
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from werkzeug.serving import make_server

from colloquium.clock import local_today
from colloquium.gunicorn_logging import RedactingLogger
from colloquium.log_redaction import KEEP_LINKS, RedactingFilter, redact
from colloquium.registration import services as registrations
from tests.factories import make_edition, make_registration

TOKEN = "Zm9vYmFyLXNlY3JldC10b2tlbi12YWx1ZS0xMjM0"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /registration/{TOKEN}/edit HTTP/1.1", "GET /registration/[redacted]/edit HTTP/1.1"),
        (f"/registration/{TOKEN}?lang=en", "/registration/[redacted]?lang=en"),
        (f"/invitation/{TOKEN}.a1B2.c3-D4_", "/invitation/[redacted]"),
        (f"/password/reset/{TOKEN}", "/password/reset/[redacted]"),
        (
            f"/login?next=%2Fregistration%2F{TOKEN}%2Fedit",
            "/login?next=%2Fregistration%2F[redacted]%2Fedit",
        ),
        ("/password/reset", "/password/reset"),
        ("/admin/registrations/2030?page=2", "/admin/registrations/2030?page=2"),
        ("/register/sent", "/register/sent"),
        (
            'File "/srv/colloquium/registration/views.py"',
            'File "/srv/colloquium/registration/views.py"',
        ),
    ],
)
def test_redact_replaces_the_token_segment_only(line, expected):
    assert redact(line) == expected


def test_an_exception_inside_the_edit_page_logs_no_token(app, client, caplog, monkeypatch):
    _, token = make_registration(make_edition(local_today().year + 2))

    def broken(value):
        raise RuntimeError(f"lookup failed for {value!r}")

    monkeypatch.setattr(registrations, "hash_token", broken)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert client.get(f"/registration/{token}/edit").status_code == 500
    assert "Unhandled exception on GET /registration/[redacted]/edit" in caplog.text
    assert "RuntimeError: lookup failed for '[redacted]'" in caplog.text  # the traceback too
    assert token not in caplog.text


def test_flasks_exception_on_path_line_is_redacted(app, caplog):
    with app.test_request_context(f"/registration/{TOKEN}/edit", method="POST"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            with caplog.at_level(logging.ERROR, logger=app.logger.name):
                app.log_exception(sys.exc_info())
    assert "Exception on /registration/[redacted]/edit [POST]" in caplog.text
    assert TOKEN not in caplog.text


def test_the_development_servers_request_line_is_redacted(app, caplog):
    _, token = make_registration(make_edition(local_today().year + 2))
    server = make_server("127.0.0.1", 0, app)
    serving = threading.Thread(target=server.handle_request)
    serving.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/registration/{token}/calendar.ics"
            with urllib.request.urlopen(url) as response:
                assert response.status == 200
            serving.join()
    finally:
        server.server_close()
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any('"GET /registration/[redacted]/calendar.ics HTTP/1.1" 200' in line for line in lines)
    assert token not in caplog.text


def test_a_line_marked_keep_links_is_left_alone(app, caplog):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        app.logger.info("Mail not sent\n%s", f"https://x/registration/{TOKEN}", extra=KEEP_LINKS)
    assert TOKEN in caplog.text


def test_the_filter_is_installed_once_per_logger(make_app):
    make_app()
    app = make_app()
    for logger in (app.logger, logging.getLogger("werkzeug")):
        assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1


@pytest.fixture
def gunicorn_logger(tmp_path):
    """The redacting logger as gunicorn builds it, writing both logs to files (closed after)."""
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = RedactingLogger(cfg)
    yield logger
    for log in (logger.error_log, logger.access_log):
        for handler in list(log.handlers):
            log.removeHandler(handler)
            handler.close()


def test_gunicorns_access_log_is_redacted_whatever_the_format(tmp_path, gunicorn_logger):
    logger = gunicorn_logger
    path = f"/registration/{TOKEN}/edit"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path + "?lang=en",
        "PATH_INFO": path,
        "QUERY_STRING": "lang=en",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://colloque.example.org/registration/{TOKEN}",
    }
    response = SimpleNamespace(
        status="302 FOUND", sent=0, headers=[("Location", f"/registration/{TOKEN}")]
    )
    request = SimpleNamespace(headers=[])
    logger.cfg.set("access_log_format", '%(r)s %(U)s "%(f)s" %({location}o)s')
    logger.access(response, request, environ, timedelta(milliseconds=3))
    written = (tmp_path / "access.log").read_text()
    assert "POST /registration/[redacted]/edit?lang=en HTTP/1.1" in written
    assert "https://colloque.example.org/registration/[redacted]" in written
    assert TOKEN not in written


def test_gunicorns_error_log_is_redacted(tmp_path, gunicorn_logger):
    logger = gunicorn_logger
    try:
        raise ValueError("bad")
    except ValueError:
        logger.exception("Error handling request %s", f"/invitation/{TOKEN}")
    written = (tmp_path / "error.log").read_text()
    assert "Error handling request /invitation/[redacted]" in written
    assert TOKEN not in written
