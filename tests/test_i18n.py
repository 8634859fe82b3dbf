"""Both languages are complete, and dates read naturally in each."""

import gettext
import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Response
from flask_babel import force_locale

from colloquium.i18n import add_vary, long_date

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "colloquium" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
CATALOGS = sorted((ROOT / "colloquium" / "translations").glob("*/LC_MESSAGES/messages.po"))


def test_every_string_has_a_french_translation(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(template),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with CATALOG.open("rb") as handle:
        french = {m.id: m for m in read_po(handle) if m.id}
    missing = sorted(str(i) for i in extracted if i not in french)
    assert missing == [], "run `make translations` and translate these"
    untranslated = sorted(
        str(m.id)
        for m in french.values()
        if m.id in extracted and (m.fuzzy or not (all(m.string) if m.pluralizable else m.string))
    )
    assert untranslated == []


def test_dates_per_locale(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert long_date(date(2027, 10, 17)) == "17 octobre 2027"
            assert long_date(date(2027, 10, 17), weekday=True) == "dimanche 17 octobre 2027"
        with force_locale("en"):
            assert long_date(date(2027, 10, 17)) == "17 October 2027"


def _translations(mo: bytes) -> tuple[dict, dict]:
    """What gettext reads from a compiled catalog: its messages (plural forms and contexts
    included) and the header fields that change how they are read."""
    parsed = gettext.GNUTranslations(io.BytesIO(mo))
    messages = {key: text for key, text in parsed._catalog.items() if key != ""}
    header = {name: parsed.info().get(name) for name in ("plural-forms", "content-type")}
    return messages, header


@pytest.mark.parametrize("po", CATALOGS, ids=lambda po: po.parent.parent.name)
def test_the_committed_compiled_catalog_matches_its_source(po):
    """The .mo files are committed so that a plain checkout serves translated pages."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # what `pybabel compile` writes
    mo = po.with_suffix(".mo")
    stale = f"{mo.relative_to(ROOT)} is out of date: run `make translations` and commit it"
    assert mo.exists(), stale
    assert _translations(mo.read_bytes()) == _translations(compiled.getvalue()), stale


def _french_strings() -> list[str]:
    with CATALOG.open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    return [text for m in messages for text in (m.string if m.pluralizable else [m.string]) if text]


def test_french_punctuation_keeps_its_no_break_space():
    """A space before : ; ! ? and inside « » never breaks a line in French (typography)."""
    wrong = [
        text
        for text in _french_strings()
        if re.search(r"\S [:;!?](\s|$)|« | »|\S[;!?](\s|$)|[^\s\u00a0]«|“|”", text)
    ]
    assert wrong == []


def test_a_french_name_never_follows_a_bare_de():
    """ "de Les Lanternes du Quai", "de Aide et Refuge": a name needs a noun or a colon first."""
    # "Colloque du %(date)s" is right: only a date follows "du" there.
    bare = re.compile(r"\b(de|du|à) %\((?!date|day)")
    wrong = [text for text in _french_strings() if bare.search(text)]
    assert wrong == []


@pytest.mark.parametrize(
    ("present", "added", "expected"),
    [
        (None, ("Accept-Language", "Cookie"), "Accept-Language, Cookie"),
        ("Origin", ("Accept-Language",), "Origin, Accept-Language"),
        (
            "origin, accept-language",
            ("Accept-Language", "Cookie"),
            "origin, accept-language, Cookie",
        ),
        ("Accept-Language, Cookie", ("Cookie", "Accept-Language"), "Accept-Language, Cookie"),
    ],
)
def test_vary_names_each_header_once(present, added, expected):
    response = Response("page", headers={"Vary": present} if present else {})
    add_vary(response, *added)
    assert response.headers["Vary"] == expected
    assert response.headers.getlist("Vary") == [expected]
