"""The audit log in the organisers' words: what each action, target and detail means.

The log stores codes (``registrations.export``, ``edition:2027``, ``{"rows": 3}``) so that it
reads the same in every language and survives renamed pages; this module turns them into
translated words and links when the page is shown. An unknown code is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Every action the application records, in the order the filter lists them.
ACTIONS: dict[str, Any] = {
    "registrations.export": _l("Registrations exported"),
    "registrations.add": _l("Registration added by hand"),
    "registrations.cancel": _l("Registration cancelled by an organiser"),
    "registrations.resend_link": _l("Manage link sent again"),
    "registrations.confirm_override": _l("Registration confirmed over capacity"),
    "registrations.confirm_vouched": _l("Address vouched for and registration confirmed"),
    "registrations.check_in": _l("Attendee checked in"),
    "registrations.undo_check_in": _l("Check-in undone"),
    "messages.send": _l("Message sent to attendees"),
    "reminders.send": _l("Reminders sent"),
    "mail.retry": _l("Mail sent again"),
    "programme.publish": _l("Programme published"),
    "programme.unpublish": _l("Programme unpublished"),
    "associations.revert": _l("Profile change reverted"),
    "brochures.upload": _l("Brochure uploaded"),
    "brochures.remove": _l("Brochure removed"),
    "editions.create": _l("Edition created"),
    "editions.update": _l("Edition changed"),
}

# The keys services put in an entry's details, and the fields of an edition they name.
DETAIL_KEYS: dict[str, Any] = {
    "rows": _l("rows"),
    "count": _l("count"),
    "recipients": _l("recipients"),
    "filters": _l("filters"),
    "columns": _l("columns"),
    "format": _l("format"),
    "revision": _l("change no."),
    "fields": _l("fields changed"),
    "capacity": _l("capacity"),
    "status": _l("status"),
    "type": _l("attendee type"),
    "language": _l("language"),
    "q": _l("search"),
    "search": _l("search"),
    "needs": _l("needs"),
    "sort": _l("sort"),
    "promoted": _l("promoted from the waiting list"),
    "year": _l("edition"),
    "rooms_copied": _l("rooms copied from the latest edition"),
}
EDITION_FIELDS: dict[str, Any] = {
    "year": _l("year"),
    "date": _l("date"),
    "title": _l("title"),
    "title_fr": _l("title in French"),
    "title_en": _l("title in English"),
    "theme": _l("theme"),
    "theme_fr": _l("theme in French"),
    "theme_en": _l("theme in English"),
    "venue_name": _l("venue"),
    "venue_address": _l("venue address"),
    "city": _l("city"),
    "capacity": _l("capacity"),
    "timezone": _l("time zone"),
    "registration_opens_at": _l("opening of registration"),
    "registration_closes_at": _l("closing of registration"),
    "programme_published": _l("programme published"),
}


@dataclass(frozen=True)
class Target:
    """What an entry was about, in words, and the page that shows it (if there is one)."""

    label: str
    url: str | None = None


def action_label(action: str) -> str:
    """The words for an action code; an unknown code is shown as it is."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def describe_target(target: str) -> Target:
    """``edition:2027`` → “Edition 2027” with a link to its registrations, and so on."""
    kind, _separator, key = target.partition(":")
    if kind == "edition" and key.isdigit():
        return Target(
            _("Edition %(year)s", year=key),
            url_for("registrations_admin.list_for_edition", year=int(key)),
        )
    if kind == "registration" and key:
        # "registration:<year>/<reference>": the page of one registration takes both.
        year, _separator, reference = key.partition("/")
        if year.isdigit() and reference:
            return Target(
                _("Registration %(reference)s", reference=reference),
                url_for("registrations_admin.detail", year=int(year), reference=reference),
            )
        return Target(_("Registration %(reference)s", reference=key))
    if kind == "association" and key:
        return Target(
            _("Association %(slug)s", slug=key),
            url_for("associations_admin.history", slug=key),
        )
    if kind == "mail" and key:
        return Target(_("Mail no. %(number)s", number=key), url_for("mail_admin.index"))
    if target == "outbox":
        return Target(_("Outbox"), url_for("mail_admin.index"))
    if kind == "brochure" and key:
        return Target(_("Brochure no. %(number)s", number=key), url_for("resources_admin.index"))
    return Target(target)


def describe_details(action: str, details: dict) -> list[tuple[str, str]]:
    """An entry's details as (words, value) pairs: “rows: 3”, “capacity: 120 → 150”."""
    if not isinstance(details, dict):
        details = {"details": details}
    return [
        (_key_label(key), _value_text(action, key, value)) for key, value in sorted(details.items())
    ]


def _key_label(key: str) -> str:
    label = DETAIL_KEYS.get(key)
    return str(label) if label is not None else key


def _value_text(action: str, key: str, value: Any) -> str:
    if key == "fields" and action.startswith("editions.") and isinstance(value, list):
        return ", ".join(str(EDITION_FIELDS.get(name, name)) for name in value)
    if isinstance(value, dict):
        if set(value) == {"old", "new"}:
            return f"{_plain(value['old'])} → {_plain(value['new'])}"
        return ", ".join(
            _("%(label)s: %(value)s", label=_key_label(name), value=_plain(item))
            for name, item in sorted(value.items())
        )
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return str(value)
