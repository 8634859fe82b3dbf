"""Gunicorn settings for Colloquium, used as ``gunicorn --config python:colloquium.gunicorn_conf``.

Other settings (``--workers``, ``--bind``…) still come from the command line or
``GUNICORN_CMD_ARGS``; this module adds what the app needs from gunicorn itself.
"""

# Access and error lines without manage, invitation or reset tokens (gunicorn_logging.py).
logger_class = "colloquium.gunicorn_logging.RedactingLogger"

PER_PROCESS_STORAGE = "memory://"


def shared_storage_warning(storage_uri: str, workers: int) -> str | None:
    """Why the rate limits are weaker than configured, or None when they are not.

    With ``memory://`` every worker process keeps its own counts: with two workers, an
    account's 5 wrong passwords become 10 (each worker locks after its own 5).
    """
    if workers > 1 and str(storage_uri).startswith(PER_PROCESS_STORAGE):
        return (
            f"Rate limits are kept in each worker's memory ({storage_uri}) and {workers} "
            f"workers run: each counts alone, so every limit is up to {workers} times "
            "weaker. Set COLLOQUIUM_RATELIMIT_STORAGE_URI=redis://… to share the counts."
        )
    return None


def post_worker_init(worker) -> None:
    """Once a worker has loaded the app: warn when its rate limits cannot be shared.

    Gunicorn's own configuration knows the number of workers, wherever it was set
    (``--workers``, ``WEB_CONCURRENCY``, ``GUNICORN_CMD_ARGS``, this file), and the loaded
    app knows its storage: both are read here, with nothing guessed from the environment.
    """
    config = getattr(worker.wsgi, "config", None)
    if config is None:  # the app failed to load; gunicorn reports that itself
        return
    warning = shared_storage_warning(config.get("RATELIMIT_STORAGE_URI", ""), worker.cfg.workers)
    if warning:
        worker.log.warning(warning)
