"""Downloading a brochure."""

import unicodedata
from urllib.parse import quote

from flask import Blueprint, current_app, request

from colloquium.extensions import db
from colloquium.resources.models import Brochure
from colloquium.resources.services import download_name

bp = Blueprint("resources", __name__)

MAX_AGE = 3600
# The site's policy (object-src 'none', no inline style) leaves Chromium's built-in PDF viewer
# blank: the PDF is drawn as a plugin into a page it styles inline. Nothing else may load.
PDF_POLICY = (
    "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)


@bp.get("/resources/brochures/<int:brochure_id>")
def brochure(brochure_id: int):
    """The brochure's PDF, shown in the browser, cached and revalidated by its ETag."""
    found = db.get_or_404(Brochure, brochure_id)
    response = current_app.response_class(mimetype="application/pdf")
    response.set_etag(found.digest)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Content-Disposition"] = content_disposition(download_name(found))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PDF_POLICY
    if request.if_none_match.contains(found.digest):
        # Unchanged: the file itself is not even read from the database.
        return response.make_conditional(request)
    response.set_data(found.data)
    return response.make_conditional(request)


def content_disposition(filename: str) -> str:
    """``inline`` with the name in plain ASCII for old clients and in UTF-8 (RFC 5987)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = plain.replace('"', "_").replace("\\", "_")
    if not ascii_name.removesuffix(".pdf").strip(" .-"):
        ascii_name = "brochure.pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
