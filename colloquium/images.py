"""Checking and re-encoding uploaded logos with Pillow, and the initials placeholder."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from colloquium.errors import DomainError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Far more than any logo needs, far less than a decompression bomb: a 6000 x 4000 photo
# passes, a 20000 x 20000 one (1.6 GB once decoded) does not.
MAX_PIXELS = 25_000_000
MAX_SIDE = 512
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def prepare_logo(data: bytes, field: str = "logo") -> PreparedImage:
    """Check an upload by its content and re-encode it at most 512 px wide and high.

    Raises DomainError with a message for the person who sent it: too large, not an image
    of an accepted type, too many pixels, damaged. Nothing of the original is kept, so
    metadata and anything hidden in the file are dropped.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(field, _l("The image is larger than 2 MB. Please send a smaller one."))
    if not data:
        raise DomainError(field, _l("The file is empty."))
    try:
        with warnings.catch_warnings():
            # Pillow warns, then fails, past its own bound; ours is lower and checked first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels(field)
                image.load()
                return _reencode(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(field) from None
    except UnidentifiedImageError:
        raise DomainError(
            field, _l("This file is not a PNG, JPEG or WebP image. Please send one of those.")
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports truncated or corrupt data this way.
        raise DomainError(
            field, _l("This image is damaged or incomplete. Please send it again.")
        ) from None


def _too_many_pixels(field: str) -> DomainError:
    return DomainError(
        field,
        _l(
            "This image has too many pixels (at most %(millions)d million). "
            "Please send a smaller one; 512 pixels wide is plenty.",
            millions=MAX_PIXELS // 1_000_000,
        ),
    )


def _reencode(image: Image.Image) -> PreparedImage:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        image.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return PreparedImage(out.getvalue(), content_type, image.width, image.height)


PLACEHOLDER_COLOURS = ("#7a1f3d", "#1f4e7a", "#2f6b3a", "#6b4a1f", "#4a2f6b", "#1f6b66")


def initials_placeholder(initials: str, seed: str) -> bytes:
    """A square SVG with the association's initials on a colour chosen from its slug."""
    colour = PLACEHOLDER_COLOURS[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 6]
    text = escape(initials[:3] or "?")
    size = 36 if len(text) <= 2 else 28
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96" '
        'role="img">'
        f'<rect width="96" height="96" rx="12" fill="{colour}"/>'
        f'<text x="48" y="50" dy=".35em" text-anchor="middle" fill="#ffffff" '
        f'font-family="system-ui, sans-serif" font-weight="700" font-size="{size}">{text}</text>'
        "</svg>"
    ).encode()
