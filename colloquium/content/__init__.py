"""What the public pages show, its version, and the pages rendered once per version."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Raise the content version with every change to it; give this process its page cache."""
    from colloquium.content import cache, tracking
    from colloquium.extensions import db

    tracking.track(db.session.session_factory.class_)
    cache.init_app(app)
