"""Logos are checked by content, size and pixel count, then re-encoded; hostile files fail."""

import io
import struct
import zlib

import pytest
from flask_babel import force_locale
from PIL import Image

from colloquium.errors import DomainError
from colloquium.images import MAX_SIDE, initials_placeholder, prepare_logo


def _english(caught) -> str:
    with force_locale("en"):
        return str(caught.value.message)


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_are_re_encoded_and_resized(app, fmt):
    data = _encoded(Image.new("RGB", (2000, 1000), (10, 120, 200)), fmt)
    prepared = prepare_logo(data)
    image = Image.open(io.BytesIO(prepared.data))
    assert max(image.size) == MAX_SIDE and image.size == (512, 256)
    assert prepared.content_type == "image/jpeg" and image.format == "JPEG"
    assert len(prepared.digest) == 64


def test_transparency_is_kept_as_png(app):
    prepared = prepare_logo(_encoded(Image.new("RGBA", (100, 100), (0, 0, 0, 0)), "PNG"))
    assert prepared.content_type == "image/png"
    assert Image.open(io.BytesIO(prepared.data)).mode == "RGBA"


def test_metadata_is_dropped(app):
    image = Image.new("RGB", (50, 50))
    exif = image.getexif()
    exif[0x013B] = "Someone's name"  # Artist
    prepared = prepare_logo(_encoded(image, "JPEG", exif=exif.tobytes()))
    assert b"Someone" not in prepared.data


def test_a_text_file_named_png_is_refused(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(b"I am not an image, whatever my name says.\n" * 10)
    assert caught.value.field == "logo"
    assert "not a PNG, JPEG or WebP" in _english(caught)


def test_a_gif_is_refused_even_though_pillow_reads_it(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(_encoded(Image.new("RGB", (10, 10)), "GIF"))
    assert "not a PNG, JPEG or WebP" in _english(caught)


def test_a_20000_by_20000_png_is_refused_with_a_clear_message(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(_png_header_only(20000, 20000))
    assert "too many pixels" in _english(caught)


def test_a_picture_over_our_pixel_bound_but_under_pillows_is_refused(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(_png_header_only(6000, 5000))
    assert "too many pixels" in _english(caught)


def test_a_truncated_jpeg_is_refused(app):
    photo = Image.effect_noise((300, 300), 60).convert("RGB")
    data = _encoded(photo, "JPEG", quality=90)
    with pytest.raises(DomainError) as caught:
        prepare_logo(data[: len(data) // 2])
    assert "damaged or incomplete" in _english(caught)


def test_more_than_2_mb_is_refused_before_decoding(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(b"\x89PNG" + b"\x00" * (2 * 1024 * 1024))
    assert "larger than 2 MB" in _english(caught)


def test_an_empty_file_is_refused(app):
    with pytest.raises(DomainError) as caught:
        prepare_logo(b"")
    assert "empty" in _english(caught)


def test_the_placeholder_escapes_what_it_draws():
    svg = initials_placeholder("<&>", "slug").decode()
    assert "<&>" not in svg and "&lt;&amp;&gt;" in svg
