"""Brochures: checking an uploaded PDF by its content, storing, ordering and removing it."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader

from colloquium.audit import services as audit
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.i18n import written
from colloquium.resources.models import Brochure

if TYPE_CHECKING:
    from colloquium.accounts.models import User

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 200
PDF_SIGNATURE = b"%PDF-"
UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class BrochureUpload:
    """A brochure as the form gives it: its texts in French and English, and the file as bytes
    and a name."""

    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    filename: str
    data: bytes


def check_pdf(data: bytes, field: str = "file") -> int:
    """The page count of ``data`` if it is a readable, unencrypted PDF within the bounds.

    Raises DomainError with a message for the person who sent it. The file is read by a
    real PDF parser: its name and the type the browser claims say nothing.
    """
    if not data:
        raise DomainError(field, _l("Choose a PDF file."))
    if len(data) > MAX_BYTES:
        raise DomainError(field, _l("The file is larger than 10 MB. Please send a smaller one."))
    if not data.startswith(PDF_SIGNATURE):
        raise DomainError(field, _l("This file is not a PDF."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DomainError(
                field, _l("This PDF is protected by a password. Please send it unprotected.")
            )
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise DomainError(
                field,
                _l(
                    "This PDF has more than %(count)d pages. Please send a shorter one.",
                    count=MAX_PAGES,
                ),
            )
        # Every page must resolve to a page with a size, or the file is damaged.
        if any(page.mediabox is None for page in reader.pages):
            raise ValueError("a page without a size")
    except DomainError:
        raise
    except Exception:
        # A parser reading what anyone may send can fail in any way: all of it means damaged.
        raise DomainError(field, _l("This PDF is damaged and cannot be read.")) from None
    if pages == 0:
        raise DomainError(field, _l("This PDF has no page."))
    return pages


def safe_filename(filename: str, title: str) -> str:
    """The uploaded file's own name without any path or control character, ending in .pdf."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_IN_FILENAME.sub("-", name).strip(" .-")
    if not name.lower().endswith(".pdf"):
        stem = name or UNSAFE_IN_FILENAME.sub("-", title).strip(" .-") or "brochure"
        name = f"{stem}.pdf"
    if len(name) > 200:
        name = name[:196] + ".pdf"
    return name


def download_name(brochure: Brochure, language: str | None = None) -> str:
    """The name a downloaded brochure gets: its title in ``language`` (else the other)."""
    return safe_filename("", written(brochure, "title", language).text)


def list_brochures() -> list[Brochure]:
    """Every brochure in the organisers' order (their files are not loaded)."""
    return list(db.session.scalars(sa.select(Brochure).order_by(Brochure.position, Brochure.id)))


def add_brochure(upload: BrochureUpload, actor: User | None) -> Brochure:
    """Check the PDF, store it last in the order, and audit the upload."""
    title_fr, title_en = upload.title_fr.strip(), upload.title_en.strip()
    if not title_fr and not title_en:
        raise DomainError("title_fr", _l("Give the brochure a title."))
    pages = check_pdf(upload.data)
    last = db.session.scalar(sa.select(sa.func.max(Brochure.position)))
    brochure = Brochure(
        title_fr=title_fr,
        title_en=title_en,
        description_fr=upload.description_fr.strip(),
        description_en=upload.description_en.strip(),
        filename=safe_filename(upload.filename, title_fr or title_en),
        data=upload.data,
        size=len(upload.data),
        page_count=pages,
        digest=hashlib.sha256(upload.data).hexdigest(),
        position=(last or 0) + 1,
    )
    db.session.add(brochure)
    db.session.flush()
    audit.record(
        actor,
        "brochures.upload",
        f"brochure:{brochure.id}",
        {"bytes": brochure.size, "pages": pages},
    )
    return brochure


def move_brochure(brochure: Brochure, step: int) -> bool:
    """Swap the brochure with its neighbour before (-1) or after (+1); False at either end."""
    ordered = list_brochures()
    index = ordered.index(brochure)
    other_index = index + (1 if step > 0 else -1)
    if not 0 <= other_index < len(ordered):
        return False
    # Renumber all: positions stay distinct even if older rows shared one.
    ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    return True


def remove_brochure(brochure: Brochure, actor: User) -> None:
    """Delete the brochure and its file, and audit it."""
    details = {"bytes": brochure.size, "pages": brochure.page_count}
    target = f"brochure:{brochure.id}"
    db.session.delete(brochure)
    db.session.flush()
    audit.record(actor, "brochures.remove", target, details)
