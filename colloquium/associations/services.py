"""Member associations: the directory, profile changes with their history, logos, imports."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload, subqueryload

from colloquium.associations import notifications
from colloquium.associations.models import (
    AREAS,
    Association,
    AssociationArea,
    AssociationRevision,
    Logo,
)
from colloquium.db import fold, fold_text
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.images import prepare_logo

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
HOST_AND_PORT = re.compile(r"^[^:/]+:\d+(/|$)")
HOSTNAME = re.compile(r"^[\w-]+(\.[\w-]+)+$")
WEBSITE_HINT = _l("Give a web address starting with https://, like https://example.org.")
FOUNDED = 2008
# The author of a revision made by ``flask association import`` and the other commands.
COMMAND_LINE = "command line"
# The fields of a profile that editors change and revisions record, in display order.
PROFILE_FIELDS = (
    "name",
    "acronym",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "website",
    "public_email",
    "city",
    "country",
    "areas",
    "member_since",
    "logo_digest",
)
# Revisions saved before the texts had two languages name the French text without suffix.
OLD_FIELD_NAMES = {"summary": "summary_fr", "description": "description_fr"}
LIMITS = {
    "name": 200,
    "acronym": 30,
    "summary_fr": 280,
    "summary_en": 280,
    "description_fr": 20000,
    "description_en": 20000,
    "website": 500,
    "public_email": 254,
    "city": 100,
    "country": 100,
}
FIELD_LABELS = {
    "slug": _l("Short name in addresses"),
    "name": _l("Name"),
    "acronym": _l("Acronym"),
    "summary_fr": _l("Summary (in French)"),
    "summary_en": _l("Summary (in English)"),
    "description_fr": _l("Description (in French)"),
    "description_en": _l("Description (in English)"),
    "website": _l("Website"),
    "public_email": _l("Public e-mail address"),
    "city": _l("City"),
    "country": _l("Country"),
    "areas": _l("Areas of action"),
    "member_since": _l("Member since"),
    "logo_digest": _l("Logo"),
    "is_member": _l("Member"),
}
FIELD_LABELS.update({old: FIELD_LABELS[new] for old, new in OLD_FIELD_NAMES.items()})


# -- The public directory -------------------------------------------------------------------


def count_members() -> int:
    """How many active member associations there are."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Association).where(Association.is_member)
    )


def search_members(text: str = "", area: str = "") -> list[Association]:
    """Active members matching ``text`` (name, acronym, summaries, city) and ``area``, by name."""
    # subqueryload: the areas of every member found in one query, whatever their number
    # (selectinload would take one more query per 500 members).
    query = (
        sa.select(Association)
        .where(Association.is_member)
        .options(subqueryload(Association.area_links))
        .order_by(fold(Association.name), Association.name, Association.id)
    )
    # Folded on both sides: "etudes", "ÉTUDES" and "Études" all find "Cercle d'Études".
    text = fold_text(text.strip()[:100])
    if text:
        query = query.where(
            sa.or_(
                *(
                    fold(column).contains(text, autoescape=True)
                    for column in (
                        Association.name,
                        Association.acronym,
                        Association.summary_fr,
                        Association.summary_en,
                        Association.city,
                    )
                )
            )
        )
    if area in AREAS:
        query = query.where(
            sa.exists().where(
                AssociationArea.association_id == Association.id, AssociationArea.area == area
            )
        )
    return list(db.session.scalars(query))


def association_at(slug: str, include_archived: bool = False) -> sa.Select[tuple[Association]]:
    """The query for the association at ``slug`` (for ``db.first_or_404``)."""
    query = (
        sa.select(Association)
        .where(Association.slug == slug)
        .options(selectinload(Association.area_links))
    )
    if not include_archived:
        query = query.where(Association.is_member)
    return query


def get_association(slug: str, include_archived: bool = False) -> Association | None:
    """The association at ``slug``; archived ones only when asked for."""
    return db.session.scalar(association_at(slug, include_archived))


def list_all_associations() -> list[Association]:
    """Every association, members and archived, by name (for organisers)."""
    return list(
        db.session.scalars(
            sa.select(Association)
            .options(selectinload(Association.editors))
            .order_by(
                Association.is_member.desc(),
                fold(Association.name),
                Association.name,
                Association.id,
            )
        )
    )


def get_logo(digest: str) -> Logo | None:
    """A stored logo by its digest."""
    return db.session.get(Logo, digest)


# -- Changing profiles ----------------------------------------------------------------------


@dataclass
class Upload:
    """An uploaded logo, as bytes (the view reads the file; services never see requests)."""

    data: bytes


@dataclass
class ProfileValues:
    """What a profile form (or a CSV row) says; ``None`` leaves a field as it is."""

    name: str | None = None
    acronym: str | None = None
    summary_fr: str | None = None
    summary_en: str | None = None
    description_fr: str | None = None
    description_en: str | None = None
    website: str | None = None
    public_email: str | None = None
    city: str | None = None
    country: str | None = None
    areas: list[str] | None = None
    member_since: int | str | None = ""  # "" leaves it as it is; None clears it
    logo: Upload | None = None
    remove_logo: bool = False


def create_association(slug: str, values: ProfileValues, author=None) -> Association:
    """A new member association at ``slug``."""
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise DomainError(
            "slug",
            _l("Use lower-case letters, digits and hyphens only, like “aide-aux-victimes”."),
        )
    if db.session.scalar(sa.select(Association.id).where(Association.slug == slug)):
        raise DomainError("slug", _l("Another association already uses this short name."))
    if not (values.name or "").strip():
        raise DomainError("name", _l("The name cannot be empty."))
    association = Association(slug=slug, name="", is_member=True)
    proposed = _proposed(values)
    for name, value in proposed.items():
        _set(association, name, value)
    db.session.add(association)
    db.session.flush()
    _record(
        association, {name: {"old": None, "new": value} for name, value in proposed.items()}, author
    )
    return association


def update_profile(
    association: Association, values: ProfileValues, author=None, notify: bool = True
) -> AssociationRevision | None:
    """Apply a profile change, record it as a revision and tell the organisers.

    Returns None when nothing actually changed (no revision, no e-mail).
    """
    proposed = _proposed(values)
    changes = {}
    for name, value in proposed.items():
        old = _get(association, name)
        if old != value:
            changes[name] = {"old": old, "new": value}
    if not changes:
        return None
    for name, change in changes.items():
        _set(association, name, change["new"])
    db.session.flush()
    revision = _record(association, changes, author)
    if notify:
        notifications.profile_changed(association, revision)
    return revision


def revert_revision(revision: AssociationRevision, author) -> AssociationRevision | None:
    """Put back the values a revision replaced; the revert is itself a new revision."""
    association = revision.association
    changes = {}
    for recorded, change in revision.changes.items():
        name = OLD_FIELD_NAMES.get(recorded, recorded)
        if name not in PROFILE_FIELDS:
            continue
        old = _get(association, name)
        if old != change["old"]:
            changes[name] = {"old": old, "new": change["old"]}
    if "name" in changes and not (changes["name"]["new"] or "").strip():
        raise DomainError(None, _l("This revision created the association: it cannot be undone."))
    if not changes:
        return None
    for name, change in changes.items():
        _set(association, name, change["new"])
    db.session.flush()
    new = _record(association, changes, author, reverts=revision)
    notifications.profile_changed(association, new)
    return new


def set_membership(association: Association, is_member: bool, author) -> None:
    """Archive a former member (off the directory) or bring it back."""
    if association.is_member == is_member:
        return
    old = association.is_member
    association.is_member = is_member
    db.session.flush()
    _record(association, {"is_member": {"old": old, "new": is_member}}, author)


def get_revision(association: Association, revision_id: int) -> AssociationRevision | None:
    """One revision of ``association``."""
    revision = db.session.get(AssociationRevision, revision_id)
    if revision is None or revision.association_id != association.id:
        return None
    return revision


def list_revisions(association: Association) -> list[AssociationRevision]:
    """The history of a profile, newest first, with the authors."""
    return list(
        db.session.scalars(
            sa.select(AssociationRevision)
            .where(AssociationRevision.association_id == association.id)
            .options(selectinload(AssociationRevision.author))
            .order_by(AssociationRevision.id.desc())
        )
    )


# The units a history compares: a word with its punctuation, or a run of spaces and line breaks.
DIFF_TOKEN = re.compile(r"\s+|\S+")


def diff_words(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """Two versions of a text as ("same" | "removed" | "added", text) runs, word by word."""
    before = DIFF_TOKEN.findall(old or "")
    after = DIFF_TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    runs: list[tuple[str, str]] = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            runs.append(("same", "".join(before[old_start:old_end])))
            continue
        if old_end > old_start:
            runs.append(("removed", "".join(before[old_start:old_end])))
        if new_end > new_start:
            runs.append(("added", "".join(after[new_start:new_end])))
    return runs


def logo_in_history(association: Association, digest: str) -> Logo | None:
    """A logo this association has had, by its digest (for the thumbnails of its history)."""
    named = association.logo_digest == digest or any(
        digest in (change.get("old"), change.get("new"))
        for changes in db.session.scalars(
            sa.select(AssociationRevision.changes).where(
                AssociationRevision.association_id == association.id
            )
        )
        for name, change in changes.items()
        if name == "logo_digest"
    )
    return get_logo(digest) if named else None


def _record(association, changes, author, reverts=None) -> AssociationRevision:
    revision = AssociationRevision(
        association=association,
        author_id=author.id if author is not None else None,
        # Stored as the code COMMAND_LINE; the history shows it in the reader's language.
        author_name=(author.display_name if author is not None else COMMAND_LINE),
        changes=changes,
        reverts_id=reverts.id if reverts is not None else None,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def _get(association: Association, name: str):
    if name == "areas":
        return association.areas
    return getattr(association, name)


def _set(association: Association, name: str, value) -> None:
    if name == "areas":
        wanted = set(value)
        association.area_links[:] = [
            link for link in association.area_links if link.area in wanted
        ] + [
            AssociationArea(area=area)
            for area in value
            if area not in {link.area for link in association.area_links}
        ]
    else:
        setattr(association, name, value)


def _proposed(values: ProfileValues) -> dict:
    """The checked new value of each field the values mention."""
    proposed: dict[str, Any] = {}
    for name in (
        "name",
        "acronym",
        "summary_fr",
        "summary_en",
        "description_fr",
        "description_en",
        "city",
        "country",
    ):
        value = getattr(values, name)
        if value is None:
            continue
        value = value.strip()
        if len(value) > LIMITS[name]:
            raise DomainError(name, _l("At most %(count)d characters, please.", count=LIMITS[name]))
        proposed[name] = value
    if "name" in proposed and not proposed["name"]:
        raise DomainError("name", _l("The name cannot be empty."))
    if values.website is not None:
        proposed["website"] = _checked_website(values.website)
    if values.public_email is not None:
        proposed["public_email"] = _checked_email(values.public_email)
    if values.areas is not None:
        unknown = [area for area in values.areas if area not in AREAS]
        if unknown:
            raise DomainError("areas", _l("Unknown area of action: %(area)s.", area=unknown[0]))
        proposed["areas"] = [area for area in AREAS if area in set(values.areas)]
    if values.member_since != "":
        year = values.member_since
        if year is not None and not FOUNDED <= year <= date.today().year:
            raise DomainError(
                "member_since",
                _l(
                    "Give a year between %(low)d and %(high)d.",
                    low=FOUNDED,
                    high=date.today().year,
                ),
            )
        proposed["member_since"] = year
    if values.logo is not None:
        proposed["logo_digest"] = store_logo(values.logo.data)
    elif values.remove_logo:
        proposed["logo_digest"] = None
    return proposed


def store_logo(data: bytes) -> str:
    """Check, re-encode and keep an uploaded logo; returns its digest."""
    prepared = prepare_logo(data)
    digest = prepared.digest
    if db.session.get(Logo, digest) is None:
        db.session.add(
            Logo(
                digest=digest,
                content_type=prepared.content_type,
                data=prepared.data,
                width=prepared.width,
                height=prepared.height,
            )
        )
        db.session.flush()
    return digest


def _checked_website(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        if HAS_SCHEME.match(value) and not HOST_AND_PORT.match(value):
            raise DomainError("website", WEBSITE_HINT)  # javascript:, data:, mailto: …
        value = "https://" + value
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not HOSTNAME.match(parts.hostname)
        or any(char.isspace() for char in value)
    ):
        raise DomainError("website", WEBSITE_HINT)
    if len(value) > LIMITS["website"]:
        raise DomainError(
            "website", _l("At most %(count)d characters, please.", count=LIMITS["website"])
        )
    return value


def _checked_email(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError("public_email", _l("Enter a valid e-mail address.")) from None
    return value.lower()


# -- CSV import -----------------------------------------------------------------------------

CSV_COLUMNS = (
    "slug",
    "name",
    "acronym",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "website",
    "public_email",
    "city",
    "country",
    "areas",
    "member_since",
)
# Columns of files made before the texts had two languages: they hold the French text.
OLD_CSV_COLUMNS = {"summary": "summary_fr", "description": "description_fr"}


class ImportFailed(Exception):
    """The file has errors; ``errors`` lists ``(line number, message)``. Nothing was saved."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportSummary:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def import_csv(text: str, author=None) -> ImportSummary:
    """Create or update associations from CSV text (matched by slug); all rows or none.

    Every row is checked; if any is wrong, ImportFailed lists each with its line number
    (a row may span several lines when a quoted value holds line breaks) and the caller
    rolls the transaction back.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as error:
        raise ImportFailed([(1, f"unreadable CSV: {error}.")]) from None
    if not header:
        raise ImportFailed([(1, "the file is empty.")])
    missing = [column for column in ("slug", "name") if column not in header]
    unknown = [
        column for column in header if column not in CSV_COLUMNS and column not in OLD_CSV_COLUMNS
    ]
    both = [old for old, new in OLD_CSV_COLUMNS.items() if old in header and new in header]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if missing or unknown or duplicated or both:
        problems = []
        if missing:
            problems.append("missing column(s): " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s): " + ", ".join(unknown))
        if duplicated:
            problems.append("repeated column(s): " + ", ".join(duplicated))
        for old in both:
            problems.append(f"{old} and {OLD_CSV_COLUMNS[old]} both given: keep one")
        raise ImportFailed([(1, "; ".join(problems) + f". Columns: {', '.join(CSV_COLUMNS)}.")])
    header = [OLD_CSV_COLUMNS.get(column, column) for column in header]
    summary = ImportSummary([], [], [])
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append((line, f"unreadable CSV: {error}."))
            break
        if not any(cell.strip() for cell in cells):
            continue
        try:
            if len(cells) != len(header):
                raise _RowError(f"{len(cells)} values for {len(header)} columns.")
            _import_row(dict(zip(header, cells, strict=True)), line, seen, summary, author)
        except DomainError as error:
            with force_locale("en"):  # the command line speaks English
                message = str(error.message)
            where = f"{error.field}: " if error.field else ""
            errors.append((line, where + message))
        except _RowError as error:
            errors.append((line, str(error)))
    if errors:
        raise ImportFailed(errors)
    return summary


class _RowError(Exception):
    pass


def _import_row(row, line, seen, summary, author) -> None:
    slug = (row.get("slug") or "").strip().lower()
    if slug in seen:
        raise _RowError(f"the slug {slug!r} already appears on line {seen[slug]}.")
    seen[slug] = line
    values = ProfileValues(
        name=row.get("name"),
        acronym=row.get("acronym"),
        summary_fr=row.get("summary_fr"),
        summary_en=row.get("summary_en"),
        description_fr=row.get("description_fr"),
        description_en=row.get("description_en"),
        website=row.get("website"),
        public_email=row.get("public_email"),
        city=row.get("city"),
        country=row.get("country") if row.get("country") else None,
        areas=_csv_areas(row["areas"]) if row.get("areas") is not None else None,
        member_since=_csv_year(row["member_since"]) if "member_since" in row else "",
    )
    existing = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    with db.session.begin_nested():
        if existing is None:
            create_association(slug, values, author)
            summary.created.append(slug)
        elif update_profile(existing, values, author, notify=False) is None:
            summary.unchanged.append(slug)
        else:
            summary.updated.append(slug)


def _csv_areas(text: str) -> list[str]:
    areas = [part.strip().lower().replace(" ", "_") for part in re.split(r"[;|]", text)]
    return [area for area in areas if area]


def _csv_year(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("member_since", _l("Give a year, like 2012."))
    return int(text)
