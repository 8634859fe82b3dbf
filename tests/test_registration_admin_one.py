"""One registration in the back office: its details and history, and the organisers' actions.

Each action asks first (a page with an "I am sure" box checked by the server), is written to
the audit log without anyone's name or address, and mails the attendee as usual.
"""

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    DEFAULT_PASSWORD,
    NEXT_YEAR,
    PAST_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import csrf_token, log_in

ACTIONS = {
    "cancel": "cancel",
    "resend_link": "resend-link",
    "confirm_override": "confirm-over-capacity",
    "confirm_vouched": "confirm",
    "undo_check_in": "undo-check-in",
}


@pytest.fixture
def desk(app):
    """Two seats: Ada (checked in) and Bob hold them, Cyd waits, Dee is unconfirmed,
    Eve's data is erased, Fay cancelled; an editor and an organiser."""
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    make_user("organiser@example.org", role="organiser")
    edition = make_edition(COMING_YEAR, capacity=2)
    people = {}
    for name, confirm in [("ada", True), ("bob", True), ("cyd", True), ("dee", False)]:
        people[name], _token = make_registration(
            edition,
            f"{name}@example.org",
            confirm=confirm,
            first_name=name.title(),
            organisation=f"Amicale {name.title()}",
            accessibility_needs="Boucle magnétique" if name == "ada" else "",
            dietary_requirements="Végétarien" if name == "ada" else "",
            consent_contact=name == "ada",
            language="en" if name == "bob" else "fr",
        )
    people["eve"], _token = make_registration(edition, "eve@example.org", first_name="Eve")
    registrations.erase_registration(people["eve"])
    people["fay"], _token = make_registration(edition, "fay@example.org", first_name="Fay")
    registrations.cancel_registration(people["fay"])
    registrations.check_in(people["ada"])
    db.session.commit()
    return {name: registration.reference for name, registration in people.items()}


def _client(app, who="organiser", language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if who != "anonymous":
        assert log_in(client, f"{who}@example.org").status_code == 302
    return client


def _page(reference, year=COMING_YEAR):
    return f"/admin/registrations/{year}/{reference}"


def _action_url(reference, action, year=COMING_YEAR):
    return f"{_page(reference, year)}/{ACTIONS[action]}"


def _act(client, reference, action, sure=True):
    """POST the action's page as an organiser would, with the box ticked or not."""
    token = csrf_token(client, html=client.get(_page(reference)).get_data(as_text=True))
    data = {"csrf_token": token, **({"sure": "y"} if sure else {})}
    return client.post(_action_url(reference, action), data=data)


def _registration(reference) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).filter_by(reference=reference))


def _audit():
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()


def _assert_no_personal_data(entry):
    text = json.dumps(entry.details)
    assert "@" not in text
    for name in ("Ada", "Bob", "Cyd", "Dee", "Amicale"):
        assert name not in text


def _flashes(client, reference):
    return client.get(_page(reference)).get_data(as_text=True)


# --- Who may see and act -------------------------------------------------------------------

ROUTES = [("GET", None)] + [(method, action) for action in ACTIONS for method in ("GET", "POST")]


@pytest.mark.parametrize(("method", "action"), ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "editor", "organiser"])
def test_only_organisers_reach_a_registration_and_its_actions(app, desk, who, method, action):
    client = _client(app, who)
    # Bob: every action but the vouched confirmation and the undone check-in fits; Dee the others.
    reference = desk["dee"] if action in ("confirm_vouched", "confirm_override") else desk["ada"]
    url = _page(reference) if action is None else _action_url(reference, action)
    data = {"csrf_token": csrf_token(client, "/password/reset")} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    if who == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    elif who == "editor":
        assert response.status_code == 404
    else:
        # The POST without "I am sure" shows the question again and changes nothing.
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    assert _audit() == []
    assert _registration(desk["ada"]).checked_in_at is not None
    assert _registration(desk["dee"]).status == "unconfirmed"


def test_an_unknown_reference_or_another_years_reference_is_not_found(app, desk):
    make_edition(NEXT_YEAR)
    client = _client(app)
    assert client.get(_page("OCT00-ZZZZZ")).status_code == 404
    assert client.get(_page(desk["ada"], NEXT_YEAR)).status_code == 404
    assert client.get(_action_url(desk["ada"], "cancel", NEXT_YEAR)).status_code == 404
    token = csrf_token(client, "/password/reset")
    response = client.post(
        _action_url(desk["bob"], "cancel", NEXT_YEAR), data={"csrf_token": token, "sure": "y"}
    )
    assert response.status_code == 404
    assert _registration(desk["bob"]).status == "confirmed"
    assert client.get(_page(desk["ada"], 99999999999)).status_code == 404


# --- What the page shows -------------------------------------------------------------------


def test_the_page_shows_every_detail_and_the_history_in_paris_time(app, desk):
    ada = _registration(desk["ada"])
    html = _client(app).get(_page(desk["ada"])).get_data(as_text=True)
    for shown in [
        "Ada Lovelace",
        "ada@example.org",
        "Amicale Ada",
        "Other association or NGO",
        "Français",
        "Boucle magnétique",
        "Végétarien",
        desk["ada"],
        "Confirmed: holds a seat.",
        "Wishes to hear",
        f"Agreed to version {ada.privacy_policy_version}",
    ]:
        assert shown in html, shown
    history = html.split('<ol class="history"')[1].split("</ol>")[0]
    events = re.findall(r"— ([^<]+)</li>", history)
    assert events == ["Registered", "Confirmed with a seat", "Checked in at the door"]
    paris = ada.checked_in_at.astimezone(ada.edition.tz)
    assert f"{paris:%H:%M}" in history
    assert f'datetime="{ada.checked_in_at.isoformat()}"' in history


def test_the_history_tells_a_promotion_and_an_override(app, desk):
    bob = _registration(desk["bob"])
    registrations.cancel_registration(bob)
    registrations.confirm_over_capacity(_registration(desk["dee"]))
    db.session.commit()
    client = _client(app)
    cyd = client.get(_page(desk["cyd"])).get_data(as_text=True)
    assert re.findall(r"— ([^<]+)</li>", cyd) == [
        "Registered",
        "Joined the waiting list",
        "Promoted from the waiting list to a seat",
    ]
    dee = client.get(_page(desk["dee"])).get_data(as_text=True)
    assert "Confirmed over capacity: holds no seat of the count." in dee
    assert "Yes, confirmed by the organisers as an override" in dee
    assert re.findall(r"— ([^<]+)</li>", dee)[-1] == "Confirmed over capacity by the organisers"
    fay = client.get(_page(desk["fay"])).get_data(as_text=True)
    assert re.findall(r"— ([^<]+)</li>", fay)[-1] == "Cancelled"
    assert "Nothing more can be done to this registration." in fay


def test_a_waitlisted_registration_shows_its_place_in_line(app, desk):
    html = _client(app).get(_page(desk["cyd"])).get_data(as_text=True)
    assert "On the waiting list, no. 1 in line." in html


def test_an_erased_registration_says_so_and_shows_no_personal_data(app, desk):
    html = _client(app).get(_page(desk["eve"])).get_data(as_text=True)
    assert "personal data has been erased" in html
    assert "Personal data erased" in html
    assert "Eve" not in html and "eve@example.org" not in html
    assert "Nothing more can be done to this registration." in html
    assert "/cancel" not in html


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("ada", ["resend_link", "undo_check_in", "cancel"]),
        ("bob", ["resend_link", "cancel"]),
        ("cyd", ["confirm_override", "resend_link", "cancel"]),
        ("dee", ["confirm_vouched", "confirm_override", "resend_link", "cancel"]),
        ("eve", []),
        ("fay", []),
    ],
)
def test_only_the_actions_that_fit_the_state_are_offered(app, desk, name, offered):
    html = _client(app).get(_page(desk[name])).get_data(as_text=True)
    links = re.findall(rf'href="{_page(desk[name])}/([\w-]+)"', html)
    assert links == [ACTIONS[action] for action in offered]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
def test_the_pages_run_a_fixed_number_of_queries(app, desk, count_queries, language, count):
    edition = db.session.scalar(sa.select(Edition).filter_by(year=COMING_YEAR))
    for number in range(count):
        make_registration(edition, f"more{number}@example.org", confirm=True)
    client = _client(app, language=language)
    for url, expected in [
        # The user, the registration with its edition, its place in line.
        (_page(desk["cyd"]), 3),
        # The user, the registration with its edition.
        (_page(desk["bob"]), 2),
        (_action_url(desk["cyd"], "confirm_override"), 2),
    ]:
        with count_queries() as queries:
            response = client.get(f"{url}?lang={language}")
        assert response.status_code == 200, url
        assert len(queries) == expected, (url, queries)


# --- The actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_asks_first_and_a_post_without_the_box_changes_nothing(
    app, desk, sent_mail, action
):
    reference = desk["dee"] if action in ("confirm_vouched", "confirm_override") else desk["ada"]
    client = _client(app)
    before = _registration(reference)
    state = (before.status, before.checked_in_at, before.link_version, before.token_hash)
    asked = client.get(_action_url(reference, action))
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert '<input id="sure" name="sure" required type="checkbox"' in html
    assert '<label for="sure">I am sure</label>' in html
    response = _act(client, reference, action, sure=False)
    assert response.status_code == 200
    assert 'id="sure-error"' in response.get_data(as_text=True)
    after = _registration(reference)
    assert (after.status, after.checked_in_at, after.link_version, after.token_hash) == state
    assert _audit() == []
    assert sent_mail == []


def test_cancelling_promotes_the_waiting_list_and_tells_both(app, desk, sent_mail):
    client = _client(app)
    asked = client.get(_action_url(desk["bob"], "cancel")).get_data(as_text=True)
    assert "Its seat goes at once to the next person on the waiting list" in asked
    response = _act(client, desk["bob"], "cancel")
    assert response.status_code == 302
    assert response.headers["Location"] == _page(desk["bob"])
    assert _registration(desk["bob"]).status == "cancelled"
    assert _registration(desk["cyd"]).status == "confirmed"
    assert [(mail["to"], mail["template"]) for mail in sent_mail] == [
        ("bob@example.org", "registration/cancelled"),
        ("cyd@example.org", "registration/promoted"),
    ]
    [entry] = _audit()
    assert (entry.action, entry.target, entry.actor_email) == (
        "registrations.cancel",
        f"registration:{COMING_YEAR}/{desk['bob']}",
        "organiser@example.org",
    )
    assert entry.details == {"from": "confirmed", "promoted": 1}
    _assert_no_personal_data(entry)
    page = client.get(_page(desk["bob"])).get_data(as_text=True)
    assert "1 person on the waiting list got the seat and was told by e-mail." in page
    assert "This registration is cancelled." in page


def test_resending_the_link_mails_a_new_one_and_revokes_the_old(app, desk, sent_mail):
    client = _client(app)
    old_hash = _registration(desk["cyd"]).token_hash
    assert _act(client, desk["cyd"], "resend_link").status_code == 302
    cyd = _registration(desk["cyd"])
    assert cyd.token_hash != old_hash and cyd.status == "waitlisted"
    [mail] = sent_mail
    assert (mail["to"], mail["template"]) == ("cyd@example.org", "registration/manage_link")
    token = mail["context"]["manage_url"].rsplit("/", 1)[1]
    assert registrations.find_by_token(token).reference == desk["cyd"]
    [entry] = _audit()
    assert (entry.action, entry.target) == (
        "registrations.resend_link",
        f"registration:{COMING_YEAR}/{cyd.reference}",
    )
    assert entry.details == {"from": "waitlisted"}
    assert "A new manage link was e-mailed" in _flashes(client, desk["cyd"])


def test_confirming_over_capacity_is_recorded_as_an_override(app, desk, sent_mail):
    client = _client(app)
    assert _act(client, desk["cyd"], "confirm_override").status_code == 302
    cyd = _registration(desk["cyd"])
    assert (cyd.status, cyd.override) == ("confirmed", True)
    assert cyd.edition.seats_taken == 2
    [mail] = sent_mail
    assert mail["template"] == "registration/confirmed"
    assert mail["attachments"][0].filename == f"{cyd.reference}.png"
    [entry] = _audit()
    assert entry.action == "registrations.confirm_override"
    assert entry.details == {"from": "waitlisted", "override": True}
    _assert_no_personal_data(entry)
    assert "Confirmed over capacity; the confirmation" in _flashes(client, desk["cyd"])


def test_confirming_over_capacity_with_a_free_seat_takes_the_seat(app, desk, sent_mail):
    registrations.cancel_registration(_registration(desk["bob"]))  # Cyd gets Bob's seat
    registrations.cancel_registration(_registration(desk["cyd"]))
    db.session.commit()
    assert _act(_client(app), desk["dee"], "confirm_override").status_code == 302
    dee = _registration(desk["dee"])
    assert (dee.status, dee.override, dee.edition.seats_taken) == ("confirmed", False, 2)
    assert _audit()[0].details == {"from": "unconfirmed", "override": False}


def test_a_vouched_address_joins_the_waiting_list_when_the_seats_are_taken(app, desk, sent_mail):
    client = _client(app)
    assert _act(client, desk["dee"], "confirm_vouched").status_code == 302
    assert _registration(desk["dee"]).status == "waitlisted"
    assert [mail["template"] for mail in sent_mail] == ["registration/waitlisted"]
    [entry] = _audit()
    assert (entry.action, entry.details) == (
        "registrations.confirm_vouched",
        {"from": "unconfirmed", "status": "waitlisted"},
    )
    assert "so the person is on the waiting list" in _flashes(client, desk["dee"])


def test_a_vouched_address_takes_a_free_seat(app, desk, sent_mail):
    edition = db.session.scalar(sa.select(Edition).filter_by(year=COMING_YEAR))
    edition.capacity = 10
    db.session.commit()
    assert _act(_client(app), desk["dee"], "confirm_vouched").status_code == 302
    dee = _registration(desk["dee"])
    assert (dee.status, dee.override) == ("confirmed", False)
    assert [mail["template"] for mail in sent_mail] == ["registration/confirmed"]
    assert _audit()[0].details == {"from": "unconfirmed", "status": "confirmed"}


def test_undoing_a_check_in_lets_the_attendee_be_checked_in_again(app, desk, sent_mail):
    client = _client(app)
    assert _act(client, desk["ada"], "undo_check_in").status_code == 302
    ada = _registration(desk["ada"])
    assert (ada.status, ada.checked_in_at) == ("confirmed", None)
    [entry] = _audit()
    assert (entry.action, entry.target, entry.details) == (
        "registrations.undo_check_in",
        f"registration:{COMING_YEAR}/{desk['ada']}",
        {"from": "confirmed"},
    )
    assert sent_mail == []
    assert "The check-in is undone." in _flashes(client, desk["ada"])
    registrations.check_in(ada)
    db.session.commit()
    assert _registration(desk["ada"]).checked_in_at is not None


@pytest.mark.parametrize(
    ("name", "action", "message"),
    [
        ("bob", "undo_check_in", "This attendee is not checked in."),
        ("bob", "confirm_vouched", "This registration is already confirmed."),
        ("bob", "confirm_override", "This registration is already confirmed."),
        ("cyd", "confirm_vouched", "This registration is already on the waiting list."),
        ("fay", "cancel", "This registration has been cancelled."),
        ("fay", "resend_link", "This registration has been cancelled."),
        ("eve", "resend_link", "This registration&#39;s personal data has been erased."),
        ("eve", "undo_check_in", "This registration&#39;s personal data has been erased."),
    ],
)
def test_an_action_that_does_not_fit_the_state_is_refused_with_a_message(
    app, desk, sent_mail, name, action, message
):
    client = _client(app)
    before = _registration(desk[name])
    state = (before.status, before.checked_in_at, before.link_version)
    asked = client.get(_action_url(desk[name], action))
    assert asked.status_code == 302
    assert asked.headers["Location"] == _page(desk[name])
    assert "This action does not fit the registration as it stands now." in _flashes(
        client, desk[name]
    )
    response = _act(client, desk[name], action)
    assert response.status_code == 302
    assert message in _flashes(client, desk[name])
    after = _registration(desk[name])
    assert (after.status, after.checked_in_at, after.link_version) == state
    assert _audit() == []
    assert sent_mail == []


def test_two_cancellations_of_one_registration_act_once(app, desk, sent_mail):
    client = _client(app)
    first = client.get(_action_url(desk["bob"], "cancel")).get_data(as_text=True)
    token = csrf_token(client, html=first)
    for _ in range(2):
        client.post(_action_url(desk["bob"], "cancel"), data={"csrf_token": token, "sure": "y"})
    assert len(_audit()) == 1
    assert [mail["template"] for mail in sent_mail].count("registration/cancelled") == 1


def test_an_expired_form_asks_again_and_changes_nothing(app, desk):
    client = _client(app)
    response = client.post(
        _action_url(desk["bob"], "cancel"), data={"csrf_token": "x", "sure": "y"}
    )
    assert response.status_code == 200
    assert "The form had expired" in response.get_data(as_text=True)
    assert _registration(desk["bob"]).status == "confirmed"
    assert _audit() == []


def test_after_the_colloquium_only_a_check_in_can_be_undone(app, desk):
    past = make_edition(PAST_YEAR, registration_opens_at=datetime(PAST_YEAR, 9, 1, tzinfo=UTC))
    moment = datetime(PAST_YEAR, 10, 17, 9, 0, tzinfo=UTC)
    registration = Registration(
        edition_id=past.id,
        reference="OCT00-PAST2",
        status="confirmed",
        first_name="Old",
        last_name="Timer",
        email="old@example.org",
        attendee_type="ngo",
        language="fr",
        privacy_policy_version="1",
        consented_at=moment,
        created_at=moment,
        confirmed_at=moment,
        checked_in_at=moment,
    )
    db.session.add(registration)
    db.session.commit()
    client = _client(app)
    page = _page("OCT00-PAST2", PAST_YEAR)
    html = client.get(page).get_data(as_text=True)
    assert re.findall(rf'href="{page}/([\w-]+)"', html) == ["undo-check-in"]
    token = csrf_token(client, html=html)
    response = client.post(f"{page}/cancel", data={"csrf_token": token, "sure": "y"})
    assert response.status_code == 302
    assert "The colloquium has taken place" in client.get(page).get_data(as_text=True)
    assert _registration("OCT00-PAST2").status == "confirmed"
    response = client.post(f"{page}/undo-check-in", data={"csrf_token": token, "sure": "y"})
    assert _registration("OCT00-PAST2").checked_in_at is None


@pytest.mark.browser
def test_the_pages_fit_an_organisers_phone(browser, live_server, desk):
    db.session.rollback()  # reading the references began a transaction: the server writes too
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto("/login?lang=fr")
        page.get_by_label("Adresse e-mail").fill("organiser@example.org")
        page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        for path in (
            _page(desk["ada"]),
            _page(desk["dee"]),
            _page(desk["eve"]),
            _action_url(desk["dee"], "confirm_override"),
            f"/admin/registrations/{COMING_YEAR}/new",
        ):
            page.goto(path)
            assert page.url == live_server + path, page.url
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()
