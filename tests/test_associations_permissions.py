"""Who may do what: every protected URL x anonymous, editor of A, editor of B, organiser,
and a deactivated account. Anyone not allowed gets a 404 (or the login page) and changes
nothing."""

import pytest
import sqlalchemy as sa

from colloquium.accounts import services as accounts
from colloquium.accounts.models import User
from colloquium.associations.models import Association, AssociationRevision
from colloquium.extensions import db
from tests.factories import make_association, make_user
from tests.web import csrf_token, log_in

LOGIN = "login"  # a redirect to the login page
OK = "ok"  # 200, or a redirect elsewhere after a successful POST
ACTORS = ("anonymous", "editor_a", "editor_b", "organiser", "deactivated")

# (method, url, {actor: expected}); {revision} and {user} are filled in per test.
TABLE = [
    ("GET", "/associations/alpha/edit", {"editor_a": OK, "editor_b": 404, "organiser": OK}),
    ("POST", "/associations/alpha/edit", {"editor_a": OK, "editor_b": 404, "organiser": OK}),
    ("GET", "/associations/beta/edit", {"editor_a": 404, "editor_b": OK, "organiser": OK}),
    ("GET", "/admin/", {"organiser": OK}),
    ("GET", "/admin/associations/", {"organiser": OK}),
    ("GET", "/admin/associations/new", {"organiser": OK}),
    ("POST", "/admin/associations/new", {"organiser": OK}),
    ("GET", "/admin/associations/alpha/history", {"organiser": OK}),
    ("POST", "/admin/associations/alpha/revisions/{revision}/revert", {"organiser": OK}),
    ("POST", "/admin/associations/alpha/archive", {"organiser": OK}),
    ("POST", "/admin/associations/former/restore", {"organiser": OK}),
    ("GET", "/admin/associations/alpha/invite", {"organiser": OK}),
    ("POST", "/admin/associations/alpha/invite", {"organiser": OK}),
    ("GET", "/admin/users/", {"organiser": OK}),
    ("GET", "/admin/users/invite", {"organiser": OK}),
    ("POST", "/admin/users/invite", {"organiser": OK}),
    ("POST", "/admin/users/{user}/deactivate", {"organiser": OK}),
    ("POST", "/admin/users/{blocked}/reactivate", {"organiser": OK}),
    ("POST", "/admin/users/{user}/invitation", {"organiser": OK}),
]

FORM_DATA = {
    "/associations/alpha/edit": {"name": "Alpha renamed", "city": "Metz", "areas": "health"},
    "/admin/associations/new": {"slug": "gamma", "name": "Gamma"},
    "/admin/associations/alpha/invite": {"email": "new.editor@example.org", "name": "New"},
    "/admin/users/invite": {
        "email": "new.organiser@example.org",
        "role": "organiser",
        "association": "",
        "language": "fr",
    },
}


@pytest.fixture
def world(app):
    alpha = make_association("alpha", "Alpha", city="Lyon")
    beta = make_association("beta", "Beta", city="Brest")
    make_user("editor.a@example.org", association=alpha)
    make_user("editor.b@example.org", association=beta)
    make_user("organiser@example.org", role="organiser")
    make_user("deactivated@example.org", role="organiser")
    invited = make_user("invited@example.org", association=alpha, password=None)
    blocked = make_user("blocked@example.org", association=alpha, is_active=False)
    make_association("former", "Former member", is_member=False)
    revision = AssociationRevision(
        association=alpha,
        author_name="someone",
        changes={"city": {"old": "Paris", "new": "Lyon"}},
    )
    db.session.add(revision)
    db.session.commit()
    return {"revision": revision.id, "user": invited.id, "blocked": blocked.id}


def _client_for(app, actor):
    client = app.test_client()
    if actor == "anonymous":
        return client
    email = actor.replace("_", ".") + "@example.org"
    assert log_in(client, email).status_code == 302
    if actor == "deactivated":
        accounts.deactivate_user(db.session.scalar(sa.select(User).filter_by(email=email)))
        db.session.commit()
    return client


def _token(client):
    # The session's CSRF token, from a page every visitor can open.
    page = client.get("/password/reset").get_data(as_text=True)
    if 'name="csrf_token"' in page:
        return csrf_token(client, "/password/reset")
    return csrf_token(client, "/")


def _snapshot():
    db.session.expire_all()
    return (
        [
            (a.slug, a.name, a.city, a.is_member)
            for a in db.session.scalars(sa.select(Association).order_by(Association.slug))
        ],
        [
            (u.email, u.is_active, u.invited_at)
            for u in db.session.scalars(sa.select(User).order_by(User.email))
        ],
        db.session.scalar(sa.select(sa.func.count()).select_from(AssociationRevision)),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "url", "expected"), TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE]
)
def test_permission_table(app, world, actor, method, url, expected):
    client = _client_for(app, actor)
    target = url.format(**world)
    want = expected.get(actor, LOGIN if actor in ("anonymous", "deactivated") else 404)
    before = _snapshot()
    if method == "GET":
        response = client.get(target)
    else:
        data = {**FORM_DATA.get(url, {}), "csrf_token": _token(client)}
        response = client.post(target, data=data)
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif want == 404:
        assert response.status_code == 404
    elif method == "GET":
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert response.status_code == 302, response.get_data(as_text=True)
        assert not response.headers["Location"].startswith("/login")
    if want != OK:
        assert _snapshot() == before, "a refused request changed something"
    elif method == "POST":
        assert _snapshot() != before, "an allowed request changed nothing"
