"""Absolute links for e-mails, calendars and QR codes, built from ``PUBLIC_URL``."""

from urllib.parse import urlsplit

from flask import current_app, g
from werkzeug.routing import MapAdapter


def external_url(endpoint: str, **values) -> str:
    """The public address of ``endpoint``; works outside any request (mail worker, CLI)."""
    return _public_adapter().build(endpoint, values, force_external=True)


def _public_adapter() -> MapAdapter:
    """The URL map bound to ``PUBLIC_URL``, bound once per application context.

    The JSON API and the calendars build two links per session: binding the map again for
    each took as long as building the link.
    """
    public_url = current_app.config["PUBLIC_URL"]
    bound = g.get("_public_url_adapter")
    if bound is None or bound[0] != public_url:
        base = urlsplit(public_url)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
        )
        bound = g._public_url_adapter = (public_url, adapter)
    return bound[1]
