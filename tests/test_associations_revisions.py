"""Editing profiles: revisions (who, when, old and new values), history, revert."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from colloquium.associations import services
from colloquium.associations.models import Association, AssociationRevision
from colloquium.associations.services import ProfileValues, Upload
from colloquium.errors import DomainError
from colloquium.extensions import db
from tests.factories import make_association, make_user
from tests.web import csrf_token, log_in


def _png(colour=(200, 30, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, format="PNG")
    return out.getvalue()


def test_a_change_records_who_when_and_old_and_new_values(app):
    association = make_association("alpha", "Alpha", city="Lyon", areas=["health"])
    editor = make_user("ed@example.org", association=association)
    revision = services.update_profile(
        association,
        ProfileValues(name="Alpha", city="Metz", areas=["health", "prevention"]),
        author=editor,
    )
    db.session.commit()
    assert revision.author == editor and revision.author_name == "ed@example.org"
    assert revision.created_at is not None
    assert revision.changes == {
        "city": {"old": "Lyon", "new": "Metz"},
        "areas": {"old": ["health"], "new": ["prevention", "health"]},
    }
    assert association.areas == ["prevention", "health"]


def test_saving_without_changes_records_nothing(app):
    association = make_association("alpha", "Alpha", city="Lyon")
    assert services.update_profile(association, ProfileValues(name="Alpha", city="Lyon")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssociationRevision)) == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (ProfileValues(name="  "), "name"),
        (ProfileValues(summary_fr="x" * 281), "summary_fr"),
        (ProfileValues(website="javascript:alert(1)"), "website"),
        (ProfileValues(website="ftp://example.org"), "website"),
        (ProfileValues(public_email="not an address"), "public_email"),
        (ProfileValues(areas=["gardening"]), "areas"),
        (ProfileValues(member_since=1999), "member_since"),
        (ProfileValues(member_since=3000), "member_since"),
        (ProfileValues(logo=Upload(b"not an image")), "logo"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(app, values, field):
    association = make_association("alpha", "Alpha")
    with pytest.raises(DomainError) as caught:
        services.update_profile(association, values)
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.get(Association, association.id).name == "Alpha"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssociationRevision)) == 0


def test_a_website_without_scheme_gets_https(app):
    association = make_association("alpha")
    services.update_profile(association, ProfileValues(website="alpha.example.org"))
    assert association.website == "https://alpha.example.org"


def test_revert_puts_back_the_old_values_as_a_new_revision(app):
    association = make_association("alpha", "Alpha", city="Lyon", areas=["health"])
    organiser = make_user("boss@example.org", role="organiser")
    first = services.update_profile(
        association, ProfileValues(city="Metz", areas=["legal_aid"]), author=organiser
    )
    services.update_profile(association, ProfileValues(summary_fr="Nouveau résumé"))
    db.session.commit()
    undo = services.revert_revision(first, organiser)
    db.session.commit()
    assert association.city == "Lyon" and association.areas == ["health"]
    assert association.summary_fr == "Nouveau résumé"  # later changes to other fields stay
    assert undo.reverts_id == first.id
    assert undo.changes["city"] == {"old": "Metz", "new": "Lyon"}
    # Reverting again has nothing left to do.
    assert services.revert_revision(first, organiser) is None


def test_revert_brings_an_old_logo_back(app):
    association = make_association("alpha")
    first = services.update_profile(association, ProfileValues(logo=Upload(_png())))
    old_digest = association.logo_digest
    second = services.update_profile(
        association, ProfileValues(logo=Upload(_png(colour=(0, 90, 0))))
    )
    assert association.logo_digest != old_digest
    services.revert_revision(second, None)
    assert association.logo_digest == old_digest
    services.revert_revision(first, None)
    assert association.logo_digest is None


def test_the_creation_cannot_be_reverted(app):
    organiser = make_user("boss@example.org", role="organiser")
    association = services.create_association("gamma", ProfileValues(name="Gamma"), organiser)
    [creation] = association.revisions
    assert not creation.revertible
    with pytest.raises(DomainError):
        services.revert_revision(creation, organiser)


def test_an_editor_saves_the_form_and_a_revision_is_kept(client):
    association = make_association("alpha", "Alpha", city="Lyon")
    make_user("ed@example.org", association=association)
    log_in(client, "ed@example.org")
    form = client.get("/associations/alpha/edit").get_data(as_text=True)
    assert 'value="Alpha"' in form and 'value="Lyon"' in form
    response = client.post(
        "/associations/alpha/edit",
        data={
            "name": "Alpha",
            "city": "Metz",
            "country": "France",
            "areas": ["health", "legal_aid"],
            "member_since": "2015",
            "logo": (io.BytesIO(_png()), "logo.png"),
            "csrf_token": csrf_token(client, "/associations/alpha/edit"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/associations/alpha"
    db.session.expire_all()
    association = db.session.get(Association, association.id)
    assert association.city == "Metz" and association.member_since == 2015
    assert association.areas == ["legal_aid", "health"] and association.logo_digest
    [revision] = association.revisions
    assert set(revision.changes) == {"city", "areas", "member_since", "logo_digest"}
    logo = client.get(f"/associations/alpha/logo?v={association.logo_digest}")
    assert logo.mimetype == "image/jpeg"


@pytest.mark.parametrize(
    ("payload", "filename", "message"),
    [
        (b"just text, not a picture", "logo.png", "not a PNG, JPEG or WebP"),
        (None, "bomb.png", "too many pixels"),
    ],
)
def test_a_hostile_upload_shows_a_message_next_to_the_field(client, payload, filename, message):
    from tests.test_associations_images import _png_header_only

    association = make_association("alpha", "Alpha", city="Lyon")
    make_user("ed@example.org", association=association)
    log_in(client, "ed@example.org")
    data = payload if payload is not None else _png_header_only(20000, 20000)
    response = client.post(
        "/associations/alpha/edit?lang=en",
        data={
            "name": "Alpha changed",
            "city": "Lyon",
            "logo": (io.BytesIO(data), filename),
            "csrf_token": csrf_token(client, "/associations/alpha/edit"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and 'id="logo-error"' in html
    assert 'value="Alpha changed"' in html  # the input is kept
    db.session.expire_all()
    assert db.session.get(Association, association.id).name == "Alpha"


def test_the_history_page_shows_changes_and_reverts(client, count_queries):
    association = make_association("alpha", "Alpha", city="Lyon")
    editor = make_user("ed@example.org", association=association)
    make_user("boss@example.org", role="organiser")
    revision = services.update_profile(
        association, ProfileValues(city="Metz"), author=editor, notify=False
    )
    db.session.commit()
    log_in(client, "boss@example.org")
    with count_queries() as queries:
        page = client.get("/admin/associations/alpha/history?lang=en")
    # the user, the association, its areas, the revisions, their authors
    assert len(queries) == 5, queries
    html = page.get_data(as_text=True)
    assert "ed@example.org" in html and "Lyon" in html and "Metz" in html
    assert f"/admin/associations/alpha/revisions/{revision.id}/revert" in html
