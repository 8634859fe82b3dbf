"""No hostile input answers 500: every route of the URL map, probed without listing routes.

The routes come from ``app.url_map``: a route added tomorrow is probed without anyone
adding it here. Every converter argument gets hostile values (integers beyond 32 and 64
bits, NUL and other control characters, very long strings, non-ASCII text), every GET gets
hostile query parameters, and every POST gets a broken JSON body, a JSON array and forms
whose every field holds a NUL byte, a huge number or a very long text; as an anonymous
visitor and as a logged-in organiser. Runs on SQLite and PostgreSQL alike.
"""

import re
from urllib.parse import quote

import pytest

from colloquium.accounts import services as accounts
from colloquium.clock import local_today
from colloquium.extensions import db
from colloquium.mail.outbox import queue_mail
from colloquium.programme import services as programme
from colloquium.resources import services as brochures
from colloquium.resources.demo import draw_brochure
from colloquium.resources.services import BrochureUpload
from tests.factories import (
    make_association,
    make_edition,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.web import log_in

ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
FIELD_NAME = re.compile(r'name="([^"]+)"')

HUGE = "99999999999999999999"  # beyond 64 bits
HOSTILE_INTEGERS = (HUGE, str(2**31), str(2**63), "1" * 5000, "\u0663")  # ٣: a Unicode digit
HOSTILE_TEXTS = (
    "%00",
    "a%00b",
    "%01%1F%7F",
    "%FF%FE",  # not UTF-8
    "x" * 5000,
    quote("é漢🙂\u202e", safe=""),
    HUGE,
)
HOSTILE_QUERY = (
    "page=" + HUGE,
    "page=" + str(2**31),
    "page=-1",
    "page=0",
    "q=%00",
    "q=" + "%00" * 200,
    "area=%00&kind=%00&language=%00&status=%00&lang=%00&v=%00&next=%00",
    "reference=%00",
    "slug=x&token=x&reference=x&year=1&session_id=1&_external=1&_scheme=x&_anchor=x&_method=x",
    "reference=" + "x" * 5000,
)
FORM_VALUES = {
    "NUL": "a\x00b",
    "control": "a\x01\x1b[31m",
    "huge number": HUGE,
    "long": "x" * 50000,
}
JSON_BODIES = {"broken JSON": b'{"a":', "JSON array": b"[1,2,3]", "JSON object": b'{"email": 1}'}


@pytest.fixture
def site(app):
    """One of everything a route can name, and an organiser's and the tokens' values."""
    edition = make_edition(local_today().year + 2, capacity=50)
    room = make_room(edition)
    speaker = make_speaker(edition)
    session = make_session(edition, room=room, speakers=[speaker])
    programme.set_published(edition, True)
    association = make_association()
    editor = make_user("editor@example.org", association=association)
    organiser = make_user("organiser@example.org", role="organiser")
    registration, token = make_registration(edition, confirm=True)
    failed_mail = queue_mail("lost@example.org", "mail/test", "fr", {"recipient": "lost"})
    failed_mail.status, failed_mail.last_error = "failed", "550 5.1.1 No such user"
    brochure = brochures.add_brochure(
        BrochureUpload("Guide fictif", "", "", "", "guide.pdf", draw_brochure([["Guide fictif"]])),
        None,
    )
    plausible = {
        "year": str(edition.year),
        "room_id": str(room.id),
        "speaker_id": str(speaker.id),
        "session_id": str(session.id),
        "user_id": str(editor.id),
        "revision_id": "1",
        "slug": association.slug,
        "reference": registration.reference,
        "filename": "favicon.svg",
        "mail_id": str(failed_mail.id),
        "brochure_id": str(brochure.id),
    }
    tokens = {
        "registration": token,
        "invitation": accounts.make_token(editor, accounts.INVITATION_PURPOSE),
        "password": accounts.make_token(editor, accounts.RESET_PURPOSE),
    }
    db.session.commit()
    return {"plausible": plausible, "tokens": tokens, "organiser": organiser}


def plausible_value(site, rule, name: str) -> str:
    """A value of ``name`` that opens a real page, so that hostile ones go deep."""
    if name == "token":
        return site["tokens"][rule.rule.strip("/").split("/")[0]]
    return site["plausible"][name]


def urls_with_hostile_arguments(site, rule):
    """The rule's URL with each argument in turn replaced by each hostile value."""
    arguments = list(ARGUMENT.finditer(rule.rule))
    for hostile_one in arguments:
        converter = hostile_one.group("converter") or "default"
        values = HOSTILE_INTEGERS if converter == "int" else HOSTILE_TEXTS
        for value in values:

            def substitute(match, hostile_one=hostile_one, value=value):
                if match.group("name") == hostile_one.group("name"):
                    return value
                return quote(plausible_value(site, rule, match.group("name")), safe="")

            yield ARGUMENT.sub(substitute, rule.rule)


def plausible_url(site, rule) -> str:
    """The rule's URL with a working value in every argument."""
    return ARGUMENT.sub(
        lambda match: quote(plausible_value(site, rule, match.group("name")), safe=""), rule.rule
    )


def rules(app, method: str):
    """Every rule of the URL map answering ``method``, in a stable order."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in rule.methods),
        key=lambda rule: rule.rule,
    )


class Probe:
    """Sends requests and keeps every one answered by a 500 or an exception."""

    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.count = 0

    def __call__(self, method: str, url: str, label: str = "", **kwargs) -> None:
        """Send one request; remember it if it failed."""
        self.count += 1
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # the failure to report, whatever it is
            self.failures.append(f"{method} {url[:120]} {label}: {type(error).__name__} {error}")
            return
        response.close()  # static files answer with an open file
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:120]} {label}: {response.status_code}")

    def check(self):
        """Fail with every request that answered 500, one per line."""
        assert self.count > 0
        assert not self.failures, f"{len(self.failures)} of {self.count}:\n" + "\n".join(
            self.failures[:60]
        )


def visitors(app, site):
    """An anonymous client, then a logged-in organiser's."""
    anonymous = app.test_client()
    organiser = app.test_client()
    assert log_in(organiser, site["organiser"].email).status_code == 302
    return {"anonymous": anonymous, "organiser": organiser}


@pytest.mark.parametrize("who", ["anonymous", "organiser"])
def test_hostile_url_arguments_and_query_parameters_never_answer_500(app, site, who):
    client = visitors(app, site)[who]
    probe = Probe(client)
    for rule in rules(app, "GET"):
        for url in urls_with_hostile_arguments(site, rule):
            probe("GET", url)
        for query in HOSTILE_QUERY:
            probe("GET", f"{plausible_url(site, rule)}?{query}")
    for rule in rules(app, "POST"):
        for url in urls_with_hostile_arguments(site, rule):
            probe("POST", url, data={"a": "b"})
    probe.check()


def field_names(client, url: str) -> set[str]:
    """The names of the fields the form at ``url`` shows (none when it is not a page)."""
    response = client.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return set()
    return set(FIELD_NAME.findall(response.get_data(as_text=True)))


def csrf_token_of(client, url: str) -> str:
    """A valid CSRF token of this session."""
    from tests.web import CSRF_FIELD

    found = CSRF_FIELD.search(client.get(url).get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.mark.parametrize("who", ["anonymous", "organiser"])
def test_hostile_bodies_never_answer_500(app, site, who):
    client = visitors(app, site)[who]
    probe = Probe(client)
    # Logging out would turn the organiser into a visitor for the rules after it.
    posting = [rule for rule in rules(app, "POST") if rule.endpoint != "accounts.logout"]
    for rule in posting:
        url = plausible_url(site, rule)
        for label, body in JSON_BODIES.items():
            probe("POST", url, label, data=body, content_type="application/json")
            probe(
                "POST",
                url,
                label + " with a CSRF header",
                data=body,
                content_type="application/json",
                headers={"X-CSRFToken": csrf_token_of(client, "/register")},
            )
        names = (field_names(client, url) if "GET" in rule.methods else set()) | {
            "email",
            "name",
            "q",
            "reference",
            "password",
            "confirm",
            "next",
            "first_name",
        }
        names.discard("csrf_token")
        for label, value in FORM_VALUES.items():
            token = csrf_token_of(client, "/register")
            form = {name: value for name in names}
            probe("POST", url, f"form with {label}", data={**form, "csrf_token": token})
            probe("POST", url, f"form with {label}, no CSRF token", data=form)
    probe.check()


# --- The mechanisms, one by one --------------------------------------------------------------

REGISTRATION = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "attendee_type": "research",
    "language": "en",
    "consent_privacy": "y",
}
CONTROL_MESSAGE = "Remove the control characters (such as a NUL byte) from this text."


def registrations_count() -> int:
    """How many registrations the database holds."""
    import sqlalchemy as sa

    from colloquium.registration.models import Registration

    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Ada\x00"),
        ("last_name", "Love\x1blace"),
        ("email", "ada\x00@example.org"),
        ("organisation", "Tab\there"),  # one line: no tab either
        ("accessibility_needs", "Ramp\x00"),
    ],
)
def test_a_control_character_in_a_text_field_is_a_field_error_and_nothing_is_saved(
    client, field, value
):
    from tests.web import post_form

    make_edition(local_today().year + 2)
    response = post_form(client, "/register?lang=en", {**REGISTRATION, field: value})
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert registrations_count() == 0


def test_multi_line_fields_keep_their_tabs_and_line_breaks(client):
    from tests.web import post_form

    make_edition(local_today().year + 2)
    needs = "Step-free access\r\n\tand a seat near the front"
    response = post_form(client, "/register", {**REGISTRATION, "accessibility_needs": needs})
    assert response.status_code == 302
    assert registrations_count() == 1


def test_a_nul_byte_in_the_login_form_is_a_field_error(client):
    from tests.web import post_form

    make_user("editor@example.org", association=make_association())
    response = post_form(
        client, "/login?lang=en", {"email": "editor@example.org\x00", "password": "x"}
    )
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_a_number_beyond_32_bits_is_a_field_error(app, client):
    from tests.web import post_form

    edition = make_edition(local_today().year + 2)
    log_in(client, make_user("organiser@example.org", role="organiser").email)
    url = f"/admin/programme/{edition.year}/rooms/new?lang=en"
    response = post_form(client, url, {"name": "Salle", "seats": str(2**31)})
    assert response.status_code == 200
    assert "Enter a smaller number." in response.get_data(as_text=True)
    # The largest 32-bit number passes the shared check and meets the field's own bound.
    largest = post_form(client, url, {"name": "Salle", "seats": str(2**31 - 1)})
    assert largest.status_code == 200
    assert "Enter a smaller number." not in largest.get_data(as_text=True)
    assert "Number must be between 0 and 100000." in largest.get_data(as_text=True)
    assert post_form(client, url, {"name": "Salle", "seats": "100000"}).status_code == 302


@pytest.mark.parametrize("body", JSON_BODIES.values())
@pytest.mark.parametrize("url", ["/login", "/register", "/password/reset"])
def test_a_json_body_is_refused_with_415_on_the_sites_error_page(client, url, body):
    make_edition(local_today().year + 2)
    response = client.post(url + "?lang=en", data=body, content_type="application/json")
    assert response.status_code == 415
    assert "This address only accepts what its form sends." in response.get_data(as_text=True)


def test_a_form_body_and_a_bodiless_post_are_not_refused(client):
    from tests.web import post_form

    assert (
        post_form(client, "/login", {"email": "a@example.org", "password": "x"}).status_code == 200
    )
    assert client.post("/login").status_code == 200  # no token: the form again, not a 415


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/programme/2147483647", True),
        ("/programme/2147483648", False),
        ("/programme/99999999999999999999", False),
        ("/programme/\u0663", False),
        ("/associations/aide-et-refuge", True),
        ("/associations/aide\x00", False),
        ("/associations/aide\x1b", False),
        ("/registration/" + "x" * 100, True),
    ],
)
def test_url_arguments_out_of_the_databases_range_are_not_found(app, path, found):
    from werkzeug.exceptions import NotFound

    adapter = app.url_map.bind("colloquium.test")
    if found:
        adapter.match(path)
    else:
        with pytest.raises(NotFound):
            adapter.match(path)


@pytest.mark.parametrize("page", [HUGE, str(2**31), "-5", "0", "abc"])
def test_any_page_number_shows_a_page(client, page):
    year = make_edition(local_today().year + 2).year
    log_in(client, make_user("organiser@example.org", role="organiser").email)
    assert client.get(f"/admin/registrations/{year}?page={page}").status_code == 200
    assert client.get(f"/admin/audit/?page={page}").status_code == 200


def test_the_language_links_drop_query_parameters_that_clash_with_the_address(client):
    association = make_association()
    response = client.get(f"/associations/{association.slug}?slug=other&_external=1&kind=x")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/associations/{association.slug}?kind=x&amp;lang=en"' in html


def test_every_form_of_the_app_checks_its_fields_through_the_shared_base(app):
    """A form written tomorrow cannot skip the control-character and number checks."""
    from flask_wtf import FlaskForm

    from colloquium.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("colloquium.")]
    assert len(forms) >= 10  # create_app imported every domain's forms
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in forms if not issubclass(cls, Form)]
    assert strays == [], "derive these from colloquium.forms.Form"
