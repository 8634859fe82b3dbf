"""Times on the programme's pages: formatted once per distinct value, never mixed up."""

from datetime import UTC, datetime
from types import SimpleNamespace

from flask_babel import force_locale

from colloquium.programme.views import in_edition_zone
from tests.factories import COMING_YEAR

NOON_UTC = datetime(COMING_YEAR, 1, 15, 12, 0, tzinfo=UTC)


def test_the_same_instant_is_shown_in_each_editions_own_zone(app):
    paris = SimpleNamespace(timezone="Europe/Paris")
    montreal = SimpleNamespace(timezone="America/Montreal")
    with app.test_request_context("/"):
        assert in_edition_zone(NOON_UTC, paris) == "13:00"
        # Equal instants compare equal whatever their zone: the zone must be in the key.
        assert in_edition_zone(NOON_UTC, montreal) == "07:00"
        assert in_edition_zone(NOON_UTC, paris) == "13:00"


def test_the_same_instant_is_shown_in_each_pages_language(app):
    paris = SimpleNamespace(timezone="Europe/Paris")
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert (
                in_edition_zone(NOON_UTC, paris, "d MMMM y, HH:mm")
                == f"15 janvier {COMING_YEAR}, 13:00"
            )
        with force_locale("en"):
            assert (
                in_edition_zone(NOON_UTC, paris, "d MMMM y, HH:mm")
                == f"15 January {COMING_YEAR}, 13:00"
            )
