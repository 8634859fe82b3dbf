"""Demonstration data: each domain adds its part; running it twice changes nothing."""

from collections.abc import Iterator
from datetime import timedelta

from colloquium.associations import demo as associations_demo
from colloquium.clock import local_today, utcnow
from colloquium.editions import services as editions
from colloquium.editions.services import EditionChanges
from colloquium.programme import demo as programme_demo
from colloquium.resources import demo as resources_demo

DEMO_CAPACITY = 180


def coming_year() -> int:
    """The year of the next 17 October still to come (today included)."""
    today = local_today()
    return today.year if today <= editions.default_date(today.year) else today.year + 1


def load_demo() -> Iterator[str]:
    """Create what is missing of the demo data, saying what it did."""
    year = coming_year()
    edition = editions.get_edition(year)
    if edition is None:
        edition = editions.create_edition(
            year,
            EditionChanges(
                capacity=DEMO_CAPACITY,
                theme_fr="Protéger les victimes, poursuivre les exploiteurs\u00a0: dix ans "
                "d\u2019engagements européens à l\u2019épreuve du terrain",
                theme_en="Protecting victims, prosecuting exploiters: ten years of European "
                "commitments put to the test on the ground",
                venue_name="Maison de la Conférence (lieu fictif)",
                venue_address="12 rue Imaginaire",
                city="Paris",
                registration_opens_at=utcnow() - timedelta(minutes=1),
            ),
        )
        yield f"Edition {year} created: {edition.capacity} seats in {edition.city}."
    else:
        yield f"Edition {year} already there."
    yield from associations_demo.load()
    # After the member associations: some speakers link to them.
    yield from programme_demo.load_programme(edition)
    yield from resources_demo.load()
