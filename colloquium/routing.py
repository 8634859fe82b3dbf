"""URL converters that refuse, with a 404, what no database column could hold."""

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

# Every id and year is an INTEGER column: PostgreSQL refuses a value beyond 32 bits and
# SQLite one beyond 64 bits, both with an exception (a 500) instead of "not found".
MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` limited to 0…2**31-1 and to ASCII digits (``\\d`` also matches ``٣``)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int = 0, max: int = MAX_ID) -> None:
        """The usual ``int`` converter, with bounds that fit an INTEGER column by default."""
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class TextConverter(UnicodeConverter):
    """The default ``<name>`` converter without control characters (a NUL byte, say).

    PostgreSQL refuses a NUL byte in any text parameter with an exception; no slug, token
    or reference ever holds a control character, so such a path is simply not found.
    """

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length=None):
        """The usual converter, its pattern narrowed to printable characters."""
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]")


def init_app(app: Flask) -> None:
    """Use these converters for ``int`` and plain arguments (before any rule is added)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
