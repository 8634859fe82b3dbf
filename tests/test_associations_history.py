"""A profile's history as people read it: changed words marked, logos as thumbnails, the
command line named in the reader's language, and the editors' read-only copy of it."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from colloquium.associations import services
from colloquium.associations.services import ProfileValues, Upload
from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.test_browser_accessibility import axe_source as axe_source  # a fixture
from tests.test_browser_accessibility import too_wide, violations
from tests.web import csrf_token, log_in

LOGIN = "login"
OK = "ok"


def _png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def world(app):
    alpha = make_association("alpha", "Alpha", city="Lyon")
    beta = make_association("beta", "Beta", city="Brest")
    make_user("editor.a@example.org", association=alpha, name="Edith Alpha")
    make_user("editor.b@example.org", association=beta)
    make_user("organiser@example.org", role="organiser")
    return alpha


def _client(app, email=None, language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if email:
        assert log_in(client, email).status_code == 302
    return client


def _author(email):
    from colloquium.accounts.models import User

    return db.session.scalar(sa.select(User).filter_by(email=email))


# -- The word diff --------------------------------------------------------------------------


def test_the_diff_marks_the_changed_words_only():
    runs = services.diff_words(
        "We help victims in Lyon.\nSince ever.", "We help survivors in Lyon.\nSince ever."
    )
    assert runs == [
        ("same", "We help "),
        ("removed", "victims"),
        ("added", "survivors"),
        ("same", " in Lyon.\nSince ever."),
    ]
    assert services.diff_words("", "New") == [("added", "New")]
    assert services.diff_words(None, None) == []


def test_the_history_marks_changed_words_and_escapes_what_people_typed(app, world):
    services.update_profile(
        world,
        ProfileValues(description_fr="Une aide <b>juridique</b>."),
        author=_author("editor.a@example.org"),
        notify=False,
    )
    services.update_profile(
        world,
        ProfileValues(description_fr='Une aide <script>alert("x")</script> juridique.'),
        author=_author("editor.a@example.org"),
        notify=False,
    )
    db.session.commit()
    page = _client(app, "organiser@example.org").get("/admin/associations/alpha/history")
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b>juridique" not in html
    assert "&lt;script&gt;" in html
    assert '<ins><span class="visually-hidden">added: </span>&lt;script&gt;alert' in html
    assert '<del><span class="visually-hidden">removed: </span>&lt;b&gt;juridique' in html
    assert "Edith Alpha" in html


def test_areas_show_by_their_names_added_and_removed(app, world):
    services.update_profile(
        world,
        ProfileValues(areas=["legal_aid", "victim_support"]),
        author=_author("organiser@example.org"),
        notify=False,
    )
    db.session.commit()
    fr = _client(app, "organiser@example.org", "fr").get("/admin/associations/alpha/history")
    html = fr.get_data(as_text=True)
    assert "Aide juridique" in html
    assert "legal_aid" not in html
    assert "<ins>" in html


def test_the_command_line_is_named_in_the_readers_language(app, world):
    services.update_profile(world, ProfileValues(city="Metz"), author=None, notify=False)
    db.session.commit()
    english = _client(app, "organiser@example.org").get("/admin/associations/alpha/history")
    assert "· command line" in english.get_data(as_text=True)
    french = _client(app, "organiser@example.org", "fr").get("/admin/associations/alpha/history")
    assert "· ligne de commande" in french.get_data(as_text=True)


def test_logo_changes_show_both_logos_as_thumbnails(app, world):
    editor = _author("editor.a@example.org")
    services.update_profile(world, ProfileValues(logo=Upload(_png("red"))), editor, notify=False)
    first = world.logo_digest
    services.update_profile(world, ProfileValues(logo=Upload(_png("blue"))), editor, notify=False)
    second = world.logo_digest
    db.session.commit()
    client = _client(app, "editor.a@example.org")
    html = client.get("/associations/alpha/history").get_data(as_text=True)
    old_url = f"/associations/alpha/history/logo?digest={first}"
    new_url = f"/associations/alpha/history/logo?digest={second}"
    assert f'src="{old_url}" alt="Logo before"' in html
    assert f'src="{new_url}" alt="Logo after"' in html
    # The old logo's bytes are still there: logos are kept by digest, never overwritten.
    old = client.get(old_url)
    assert old.status_code == 200
    assert old.mimetype.startswith("image/")
    assert old.headers["Cache-Control"] == "no-store"
    # Only logos of this association's history, and only for those who may edit it.
    assert client.get("/associations/alpha/history/logo?digest=" + "0" * 64).status_code == 404
    assert client.get("/associations/alpha/history/logo?digest=x").status_code == 404
    other = _client(app, "editor.b@example.org")
    assert other.get(old_url).status_code == 404


# -- Editors read their own history ---------------------------------------------------------

TABLE = [
    ("/associations/alpha/history", {"editor_a": OK, "editor_b": 404, "organiser": OK}),
    ("/associations/beta/history", {"editor_a": 404, "editor_b": OK, "organiser": OK}),
    ("/associations/nowhere/history", {"organiser": 404}),
    ("/admin/associations/alpha/history", {"organiser": OK}),
]


@pytest.mark.parametrize("actor", ["anonymous", "editor_a", "editor_b", "organiser"])
@pytest.mark.parametrize(("url", "expected"), TABLE, ids=[url for url, _ in TABLE])
def test_who_reads_a_history(app, world, actor, url, expected):
    email = None if actor == "anonymous" else actor.replace("_", ".") + "@example.org"
    client = _client(app, email)
    response = client.get(url)
    want = expected.get(actor, LOGIN if actor == "anonymous" else 404)
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif want == 404:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_the_editors_history_has_no_revert_button_and_is_linked_from_the_edit_page(app, world):
    services.update_profile(
        world, ProfileValues(city="Metz"), _author("organiser@example.org"), notify=False
    )
    db.session.commit()
    client = _client(app, "editor.a@example.org")
    edit = client.get("/associations/alpha/edit").get_data(as_text=True)
    assert 'href="/associations/alpha/history"' in edit
    html = client.get("/associations/alpha/history").get_data(as_text=True)
    assert "Metz" in html
    assert "revert" not in html.lower()
    organiser = _client(app, "organiser@example.org")
    admin = organiser.get("/admin/associations/alpha/history").get_data(as_text=True)
    assert "Revert change no." in admin


# -- Reverting is audit-logged --------------------------------------------------------------


def test_a_revert_is_written_to_the_audit_log(app, world):
    revision = services.update_profile(
        world, ProfileValues(city="Metz"), _author("editor.a@example.org"), notify=False
    )
    db.session.commit()
    client = _client(app, "organiser@example.org")
    url = f"/admin/associations/alpha/revisions/{revision.id}/revert"
    token = csrf_token(client, "/admin/associations/alpha/history")
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.target) == ("associations.revert", "association:alpha")
    assert entry.details == {"revision": revision.id}
    assert entry.actor_email == "organiser@example.org"
    # Reverting again changes nothing, and logs nothing.
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


# -- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize(
    ("url", "email", "expected"),
    [
        # The account, the association and its areas, the revisions, their authors.
        ("/admin/associations/alpha/history", "organiser@example.org", 5),
        ("/associations/alpha/history", "editor.a@example.org", 5),
    ],
)
def test_a_history_runs_a_fixed_number_of_queries(
    app, world, count_queries, url, email, expected, count, language
):
    editor = _author("editor.a@example.org")
    organiser = _author("organiser@example.org")
    for number in range(count):
        author = editor if number % 2 else organiser
        values = ProfileValues(
            description_fr=f"Texte numéro {number}",
            areas=["health"] if number % 2 else ["legal_aid"],
        )
        services.update_profile(world, values, author, notify=False)
    services.update_profile(world, ProfileValues(city="Metz"), None, notify=False)
    db.session.commit()
    client = _client(app, email, language)
    client.get(url)
    with count_queries() as queries:
        assert client.get(f"{url}?lang={language}").status_code == 200
    assert len(queries) == expected, queries


# -- On a phone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "url"),
    [
        ("organiser@example.org", "/admin/associations/alpha/history"),
        ("editor.a@example.org", "/associations/alpha/history"),
    ],
)
def test_a_history_fits_a_phone_and_passes_axe(app, world, page, axe_source, email, url):
    editor = _author("editor.a@example.org")
    long_word = "https://example.org/" + "a-very-long-address-" * 20
    services.update_profile(
        world,
        ProfileValues(description_fr="Un texte. " * 80, logo=Upload(_png("red"))),
        editor,
        notify=False,
    )
    services.update_profile(
        world,
        ProfileValues(
            description_fr="Un texte. " * 40 + long_word + " Un texte. " * 39,
            logo=Upload(_png("blue")),
            areas=["legal_aid", "international_cooperation"],
        ),
        None,
        notify=False,
    )
    db.session.commit()
    db.session.rollback()  # end the read, so that the live server can write its session
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/login?lang=fr")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.goto(url)
    assert page.locator("main del").count() >= 1
    assert page.locator("main img.revision-logo").count() == 3  # no logo before the first
    widths = page.locator("main img.revision-logo").evaluate_all(
        "els => els.map(e => e.naturalWidth)"
    )
    assert all(width > 0 for width in widths)
    assert too_wide(page, 390) == []
    assert violations(page, axe_source) == []
