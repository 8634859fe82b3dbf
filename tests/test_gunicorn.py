"""The gunicorn settings module: its logger, and the warning about per-worker rate limits."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from colloquium import gunicorn_conf
from colloquium.gunicorn_logging import RedactingLogger

README = Path(__file__).resolve().parent.parent / "README.md"


class RecordingLog:
    """Stands for gunicorn's logger in a worker: keeps the warnings."""

    def __init__(self):
        self.warnings: list[str] = []

    def warning(self, message, *args):
        """Keep one warning."""
        self.warnings.append(message % args if args else message)


def worker_with(app, workers: int) -> SimpleNamespace:
    """What gunicorn hands to post_worker_init: the loaded app, the settings, a logger."""
    return SimpleNamespace(wsgi=app, cfg=SimpleNamespace(workers=workers), log=RecordingLog())


def test_several_workers_with_memory_storage_warn_at_start(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    worker = worker_with(app, workers=2)
    gunicorn_conf.post_worker_init(worker)
    assert len(worker.log.warnings) == 1
    assert "2 workers run: each counts alone" in worker.log.warnings[0]
    assert "COLLOQUIUM_RATELIMIT_STORAGE_URI=redis://" in worker.log.warnings[0]


@pytest.mark.parametrize(
    ("storage", "workers"),
    [("memory://", 1), ("redis://127.0.0.1:6379/0", 4), ("redis+sentinel://h:26379/m", 2)],
)
def test_one_worker_or_shared_storage_is_silent(app, storage, workers):
    app.config["RATELIMIT_STORAGE_URI"] = storage
    worker = worker_with(app, workers)
    gunicorn_conf.post_worker_init(worker)
    assert worker.log.warnings == []


def test_an_app_that_failed_to_load_is_left_to_gunicorn():
    def failed_app(environ, start_response):
        """Gunicorn's stand-in for an app whose import failed."""

    worker = worker_with(failed_app, workers=4)
    gunicorn_conf.post_worker_init(worker)
    assert worker.log.warnings == []


def test_gunicorn_takes_every_setting_of_the_module():
    # As gunicorn reads a --config module: the names it knows become settings, the others
    # are ignored silently, so a misspelt hook would never run.
    cfg = Config()
    applied = set()
    for name, value in vars(gunicorn_conf).items():
        if name in cfg.settings:
            cfg.set(name, value)
            applied.add(name)
    assert applied == {"logger_class", "post_worker_init"}
    assert cfg.logger_class is RedactingLogger
    assert cfg.post_worker_init is gunicorn_conf.post_worker_init


def test_the_readme_runs_gunicorn_with_this_module():
    assert "--config python:colloquium.gunicorn_conf" in README.read_text()


def test_the_warning_is_a_warning_in_gunicorns_error_log(tmp_path):
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = RedactingLogger(cfg)
    try:
        logger.warning(gunicorn_conf.shared_storage_warning("memory://", 3))
    finally:
        for handler in list(logger.error_log.handlers):
            logger.error_log.removeHandler(handler)
            handler.close()
    written = (tmp_path / "error.log").read_text()
    assert "[WARNING] Rate limits are kept in each worker's memory" in written
