"""Attendees' personal data is anonymised RETENTION_DAYS after their edition; counts stay."""

from datetime import date

import sqlalchemy as sa

from colloquium.extensions import db
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, NEXT_YEAR, PAST_YEAR, make_edition, make_registration


def _rows(edition):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Registration).where(Registration.edition_id == edition.id).order_by("id")
    ).all()


def test_past_editions_are_anonymised_and_counted_still(app):
    old = make_edition(COMING_YEAR, capacity=5)
    recent = make_edition(NEXT_YEAR, capacity=5)
    for email in ("ada@example.org", "bob@example.org"):
        make_registration(
            old, email, confirm=True, organisation="Refuge", dietary_requirements="Vegan"
        )
    make_registration(recent, "ada@example.org", confirm=True)
    db.session.commit()

    # 17 October + 90 days = 15 January of the next year: anonymised from the 16th, not before.
    assert registrations.anonymise_past_editions(today=date(NEXT_YEAR, 1, 15)) == 0
    assert registrations.anonymise_past_editions(today=date(NEXT_YEAR, 1, 16)) == 2
    db.session.commit()

    rows = _rows(old)
    assert [r.status for r in rows] == ["confirmed", "confirmed"]  # the counts stay
    for row in rows:
        assert (row.first_name, row.last_name, row.organisation, row.dietary_requirements) == (
            "",
            "",
            "",
            "",
        )
        assert "example.org" not in row.email and row.token_hash is None
        assert row.erased_at is not None
    assert _rows(recent)[0].email == "ada@example.org"
    assert registrations.anonymise_past_editions(today=date(NEXT_YEAR, 1, 16)) == 0  # idempotent


def test_the_purge_command_runs_it_with_the_configured_retention(make_app):
    app = make_app({"RETENTION_DAYS": 0})
    with app.app_context():
        edition = make_edition(COMING_YEAR, capacity=5)
        make_registration(edition, "ada@example.org", confirm=True)
        edition.year, edition.date = PAST_YEAR, date(PAST_YEAR, 10, 17)  # it has taken place
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert "past-editions" in result.output
        assert "ada@example.org" not in result.output
        assert _rows(edition)[0].first_name == ""


def test_every_text_column_is_declared_personal_or_kept():
    """A new text column must be sorted first, so that erasure cannot forget it."""
    text_columns = {
        column.key
        for column in Registration.__table__.columns
        if isinstance(column.type, sa.String)  # Text is a String too
    }
    personal, kept = set(Registration.PERSONAL_FIELDS), set(Registration.KEPT_FIELDS)
    assert text_columns - personal - kept == set(), "declare it in PERSONAL_FIELDS or KEPT_FIELDS"
    assert not personal & kept
    columns = {column.key for column in Registration.__table__.columns}
    assert personal | kept <= columns
    assert set(Registration.SECRET_FIELDS) <= personal


def test_erasure_and_the_purge_blank_every_personal_field(app):
    """Both ways of forgetting someone leave the same blanks (the purge keeps e-mails unique)."""
    edition = make_edition(COMING_YEAR, capacity=5)
    erased, _ = make_registration(
        edition,
        "ada@example.org",
        confirm=True,
        organisation="Refuge",
        accessibility_needs="Wheelchair",
        dietary_requirements="Vegan",
        consent_contact=True,
    )
    purged, _ = make_registration(
        edition, "bob@example.org", confirm=True, organisation="Refuge", consent_contact=True
    )
    registrations.erase_registration(erased)
    edition.year, edition.date = PAST_YEAR, date(PAST_YEAR, 10, 17)  # it has taken place since
    db.session.commit()
    assert registrations.anonymise_past_editions(today=date(COMING_YEAR, 1, 16)) == 1
    db.session.commit()
    erased, purged = _rows(edition)
    for name, blank in Registration.PERSONAL_FIELDS.items():
        assert getattr(erased, name) == blank, name
        if name != "email":
            assert getattr(purged, name) == blank, name
    assert purged.email == f"erased-{purged.id}"
