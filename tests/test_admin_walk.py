"""Every back-office page, with data on it, answers in both languages for every filter value.

The pages come from ``app.url_map`` (every GET rule under ``/admin/``), so a page added
tomorrow is walked without anyone listing it here. The data puts a row in every state on each
list (registrations of every status, over capacity, checked in, erased; a programme with a
photo; members; accounts; an audit entry), because a template's bug often shows only when a
row is drawn: a French plural over a registration list crashed only with a row listed.
"""

import io
import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from PIL import Image

from colloquium.accounts import services as accounts
from colloquium.associations.models import AssociationRevision
from colloquium.audit import services as audit
from colloquium.audit.models import AuditEntry
from colloquium.editions.services import get_edition
from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from colloquium.mail.outbox import queue_mail
from colloquium.programme import services as programme
from colloquium.registration import services as registrations
from colloquium.registration.models import STATUSES, Registration
from colloquium.resources import services as brochures
from colloquium.resources.demo import draw_brochure
from colloquium.resources.services import BrochureUpload
from tests.factories import (
    COMING_YEAR,
    PAST_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.web import csrf_token, log_in

ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
LANGUAGES = ("fr", "en")


def _png() -> bytes:
    """A small valid PNG for a speaker's photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def back_office(app):
    """An edition with registrations in every state and a programme; members and accounts."""
    edition = make_edition(COMING_YEAR, capacity=2)
    make_edition(PAST_YEAR, registration_opens_at=datetime(PAST_YEAR, 9, 1, tzinfo=UTC))
    seated, _ = make_registration(edition, "ada@example.org", confirm=True)
    make_registration(edition, "bob@example.org", confirm=True, first_name="Bob")
    make_registration(edition, "cyd@example.org", confirm=True, first_name="Cyd")  # waitlisted
    make_registration(edition, "dee@example.org", first_name="Dee")  # unconfirmed
    gone, _ = make_registration(edition, "eve@example.org", first_name="Eve")
    registrations.cancel_registration(gone)
    guest, _ = make_registration(edition, "gus@example.org", first_name="Gus")
    registrations.confirm_over_capacity(guest)
    erased, _ = make_registration(edition, "hal@example.org", first_name="Hal")
    registrations.erase_registration(erased)
    registrations.check_in(seated)
    room = make_room(edition, "Salle Olympe de Gouges", seats=2)
    association = make_association("aide-et-refuge", "Aide et Refuge")
    speaker = make_speaker(edition, association_id=association.id)
    programme.set_speaker_photo(speaker, _png())
    session = make_session(
        edition, room=room, speakers=[(speaker, "moderator")], expected_audience=40
    )
    make_session(edition, "Sans salle", starts="09:30", ends="11:00", speakers=[speaker])
    programme.set_published(edition, True)
    make_association("ancien-membre", "Ancien membre", is_member=False)
    editor = make_user("editor@example.org", association=association)
    make_user("invited@example.org", association=association, password=None)
    make_user("gone@example.org", role="organiser", is_active=False)
    organiser = make_user("organiser@example.org", role="organiser")
    audit.record(organiser, "registrations.export", f"edition:{edition.year}", {"rows": 5})
    accounts.make_token(editor, accounts.INVITATION_PURPOSE)
    revision = AssociationRevision(
        association=association,
        author_id=editor.id,
        author_name=editor.display_name,
        changes={"city": {"old": "Lyon", "new": "Lille"}},
    )
    db.session.add(revision)
    failed_mail = queue_mail("lost@example.org", "mail/test", "fr", {"recipient": "lost"})
    failed_mail.status, failed_mail.last_error = "failed", "550 5.1.1 No such user"
    brochure = brochures.add_brochure(
        BrochureUpload("Guide fictif", "", "", "", "guide.pdf", draw_brochure([["Guide fictif"]])),
        None,
    )
    db.session.commit()
    return {
        "year": str(edition.year),
        "room_id": str(room.id),
        "speaker_id": str(speaker.id),
        "session_id": str(session.id),
        "slug": association.slug,
        "reference": seated.reference,
        "mail_id": str(failed_mail.id),
        "brochure_id": str(brochure.id),
        "user_id": str(editor.id),
        "revision_id": str(revision.id),
    }


def admin_urls(app, values, method: str = "GET") -> list[str]:
    """Every ``method`` rule under ``/admin/``, its arguments filled with the data's values."""
    return sorted(
        ARGUMENT.sub(lambda match: quote(values[match.group("name")], safe=""), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and method in rule.methods
    )


def _traces() -> tuple[int, int, int]:
    """What any back-office act leaves behind: audit lines, outbox rows, registrations' states."""
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)),
        hash(tuple(db.session.execute(sa.select(Registration.id, Registration.status)).all())),
    )


def test_only_organisers_reach_any_back_office_url(app, back_office):
    """From the URL map: a new back-office page is covered without anyone listing it."""
    anonymous = app.test_client()
    editor = app.test_client()
    assert log_in(editor, "editor@example.org").status_code == 302
    token = csrf_token(editor, f"/associations/{back_office['slug']}/edit")
    before = _traces()
    failures = []
    for url in admin_urls(app, back_office):
        response = anonymous.get(url)
        if response.status_code != 302 or "/login" not in response.location:
            failures.append(f"anonymous GET {url}: {response.status_code}")
        if (status := editor.get(url).status_code) != 404:
            failures.append(f"editor GET {url}: {status}")
    posts = admin_urls(app, back_office, "POST")
    assert len(posts) >= 20
    for url in posts:
        response = anonymous.post(url, data={})
        if response.status_code not in (302, 400) or (
            response.status_code == 302 and "/login" not in response.location
        ):
            failures.append(f"anonymous POST {url}: {response.status_code}")
        data = {"csrf_token": token, "sure": "y", "confirm": "y", "confirmed": "yes"}
        if (status := editor.post(url, data=data).status_code) != 404:
            failures.append(f"editor POST {url}: {status}")
    assert not failures, "\n".join(failures)
    db.session.expire_all()
    assert _traces() == before


def test_the_data_has_a_registration_in_every_state(app, back_office):
    counts = registrations.registration_counts(get_edition(COMING_YEAR))
    for status in STATUSES:
        assert getattr(counts, status) >= 1, status
    assert counts.checked_in == 1 and counts.erased == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_back_office_page_answers_with_every_filter_value(app, back_office, language):
    client = app.test_client()
    assert log_in(client, "organiser@example.org").status_code == 302
    failures = []
    urls = admin_urls(app, back_office)
    assert len(urls) >= 20
    for url in urls:
        for status in ("", *STATUSES):
            query = f"?lang={language}" + (f"&status={status}" if status else "")
            response = client.get(url + query)
            response.close()
            if response.status_code not in (200, 302, 303):
                failures.append(f"{url}{query}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_french_caption_counts_the_filtered_registrations(app, back_office):
    client = app.test_client()
    log_in(client, "organiser@example.org")
    html = client.get(f"/admin/registrations/{COMING_YEAR}?lang=fr&status=confirmed").get_data(
        as_text=True
    )
    # Ada and Bob hold the two seats; Gus is confirmed over capacity.
    assert re.search(
        r'<caption id="registrations-caption">Confirmées\s: 3 inscriptions</caption>', html
    )


PLURALIZE = re.compile(r"{%-?\s*pluralize\s*-?%}")


def test_every_plural_in_a_template_names_its_number():
    """Without a name, Jinja pluralises on the block's first variable, whatever it is."""
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    unnamed = [
        str(path.relative_to(templates))
        for path in sorted(templates.rglob("*.*"))
        if path.is_file() and PLURALIZE.search(path.read_text(encoding="utf-8"))
    ]
    assert not unnamed, f"name the number in {{% pluralize number %}}: {unnamed}"
