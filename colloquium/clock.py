"""The one clock of the application: every "now" and "today" is read here.

Tests move it with ``time_machine`` (see ``tests/conftest.py``), which moves this clock,
the column defaults and the libraries' clocks together.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

COLLOQUIUM_TIMEZONE = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in the colloquium's time zone (the day changes at Paris midnight)."""
    return utcnow().astimezone(COLLOQUIUM_TIMEZONE).date()
