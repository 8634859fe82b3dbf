"""One mailbox is one address; addresses we cannot deliver to are refused; names are clean."""

import html

import pytest
import sqlalchemy as sa

from colloquium.accounts import services as accounts
from colloquium.accounts.models import User
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import OutgoingMail
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, make_edition, registration_details
from tests.web import csrf_token

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "attendee_type": "research",
    "language": "en",
    "consent_privacy": "y",
}


def submit(client, language="en", **changes):
    """Post the registration form, in ``language``."""
    data = {**FORM, "csrf_token": csrf_token(client, "/register"), **changes}
    return client.post(f"/register?lang={language}", data=data)


def all_registrations() -> list[Registration]:
    """Every registration, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def test_both_spellings_of_an_idna_domain_are_one_registration(app):
    edition = make_edition(COMING_YEAR)
    first = registrations.register(edition, registration_details("bob@exämple.net"))
    again = registrations.register(edition, registration_details("Bob@XN--EXMPLE-CUA.NET"))
    db.session.commit()
    assert (first.created, again.created) == (True, False)
    assert [r.email for r in all_registrations()] == ["bob@exämple.net"]


def test_both_spellings_of_an_idna_domain_are_one_account(app):
    user = accounts.create_user("bob@xn--exmple-cua.net", "organiser", name="Bob")
    db.session.commit()
    assert user.email == "bob@exämple.net"
    with pytest.raises(DomainError) as refused:
        accounts.create_user("BOB@exämple.net", "organiser")
    assert refused.value.field == "email"  # "An account already exists…"
    assert accounts.find_user_by_email("bob@EXÄMPLE.net") == user
    assert accounts.find_user_by_email("bob@xn--exmple-cua.net") == user


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Use an address without accents or other special letters before the @"),
        ("fr", "Utilisez une adresse sans accents ni autres lettres spéciales avant le @\u00a0:"),
    ],
)
def test_an_address_with_accents_before_the_at_is_refused_next_to_its_field(
    client, language, message
):
    make_edition(COMING_YEAR)
    response = submit(client, language, email="josé@example.org")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert all_registrations() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0


def test_an_account_with_accents_before_the_at_is_refused(app):
    with pytest.raises(DomainError) as refused:
        accounts.create_user("josé@example.org", "organiser")
    assert refused.value.field == "email"
    assert "@" in str(refused.value.message)  # not the generic "valid address" message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_idna_domain_is_delivered_to_its_a_label_address(app, client, smtp_server):
    smtp_server.configure(app)
    make_edition(COMING_YEAR)
    assert submit(client, email="Bob@Exämple.net").status_code == 302
    assert [r.email for r in all_registrations()] == ["bob@exämple.net"]
    assert delivery.deliver_due().sent == 1
    assert smtp_server.envelopes[0].rcpt_tos == ("bob@xn--exmple-cua.net",)
    assert smtp_server.messages[0]["To"] == "bob@xn--exmple-cua.net"


def test_bidi_overrides_and_line_breaks_are_cleaned_from_names_on_the_form(client):
    make_edition(COMING_YEAR)
    response = submit(
        client,
        first_name="\u202eAda\u202c",
        last_name="Love\u2066lace\u2069",
        organisation="Refuge\u2028du\u00a0Nord",
    )
    assert response.status_code == 302
    (registration,) = all_registrations()
    assert (registration.first_name, registration.last_name) == ("Ada", "Lovelace")
    assert registration.organisation == "Refuge du Nord"


def test_names_are_cleaned_whatever_calls_the_services(app):
    edition = make_edition(COMING_YEAR)
    submission = registrations.register(
        edition,
        registration_details(first_name="Ada\r\nBcc: eve@example.org", last_name="\u202dL\u0085"),
    )
    registration = submission.registration
    assert registration.first_name == "Ada Bcc: eve@example.org"
    assert registration.last_name == "L"
    registrations.update_details(
        registration, registrations.DetailChanges(organisation="\u202bECTEH\u202c\t\x9b")
    )
    assert registration.organisation == "ECTEH"
    with pytest.raises(DomainError) as refused:
        registrations.update_details(
            registration, registrations.DetailChanges(last_name="\u202e\u2069")
        )
    assert refused.value.field == "last_name"
    user = accounts.create_user("eve@example.org", "organiser", name="\u2067Eve\u2069\nAdmin")
    assert user.name == "Eve Admin"
