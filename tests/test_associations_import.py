"""``flask association import FILE.csv``: create or update by slug, all rows or none."""

import sqlalchemy as sa

from colloquium.associations.models import Association, AssociationRevision
from colloquium.extensions import db
from tests.factories import make_association

HEADER = "slug,name,acronym,summary,city,areas,member_since,website\n"


def _import(runner, tmp_path, text):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["association", "import", str(path)]), str(path)


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Association))


def test_import_creates_and_updates_by_slug(runner, tmp_path):
    make_association("droit-devant", "Droit Devant", city="Lyon")
    result, _ = _import(
        runner,
        tmp_path,
        HEADER + "refuge-du-nord,Refuge du Nord,RDN,Un abri.,Lille,shelter_housing;health,2011,"
        "refuge.example.org\n"
        + 'droit-devant,Droit Devant,,"Du droit, pour tous.",Grenoble,legal_aid,2009,\n'
        + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 0 unchanged." in result.output
    db.session.expire_all()
    refuge = db.session.scalar(sa.select(Association).filter_by(slug="refuge-du-nord"))
    assert refuge.areas == ["shelter_housing", "health"] and refuge.member_since == 2011
    assert refuge.website == "https://refuge.example.org"
    droit = db.session.scalar(sa.select(Association).filter_by(slug="droit-devant"))
    assert droit.city == "Grenoble" and droit.summary_fr == "Du droit, pour tous."
    # Each change is in the history, by the command line.
    revisions = db.session.scalars(
        sa.select(AssociationRevision).where(AssociationRevision.association_id == droit.id)
    ).all()
    assert [r.author_name for r in revisions] == ["command line"]
    again, _ = _import(runner, tmp_path, HEADER + "droit-devant,Droit Devant,,"
                       '"Du droit, pour tous.",Grenoble,legal_aid,2009,\n')  # fmt: skip
    assert "0 created, 0 updated, 1 unchanged." in again.output


def test_malformed_rows_are_reported_by_line_and_nothing_is_imported(runner, tmp_path):
    make_association("droit-devant", "Droit Devant", city="Lyon")
    result, path = _import(
        runner,
        tmp_path,
        HEADER
        + "refuge-du-nord,Refuge du Nord,,,Lille,health,2011,\n"  # line 2: fine
        + 'droit-devant,Droit Devant,,"Un résumé\nsur deux lignes",Paris,,,\n'  # 3-4: fine
        + "Bad Slug!,Mauvais,,,Paris,,,\n"  # line 5
        + "sans-nom,,,,Paris,,,\n"  # line 6
        + "jardin,Jardin,,,Paris,gardening,,\n"  # line 7
        + "vieux,Vieux,,,Paris,,1850,\n"  # line 8
        + "court,Court\n"  # line 9
        + "refuge-du-nord,Encore,,,Lille,,,\n"  # line 10
        + "web,Web,,,Paris,,,javascript:alert(1)\n",  # line 11
    )
    assert result.exit_code == 1
    output = result.output
    for line in (5, 6, 7, 8, 9, 10, 11):
        assert f"{path}:{line}:" in output, output
    for line in (2, 3, 4):
        assert f"{path}:{line}:" not in output
    assert "slug" in output and "gardening" in output and "already appears on line 2" in output
    assert "7 error(s): nothing was imported." in output
    db.session.expire_all()
    assert _count() == 1
    droit = db.session.scalar(sa.select(Association).filter_by(slug="droit-devant"))
    assert droit.city == "Lyon"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssociationRevision)) == 0


def test_a_wrong_header_is_reported_on_line_1(runner, tmp_path):
    result, path = _import(runner, tmp_path, "slug,nom,colour\nx,y,z\n")
    assert result.exit_code == 1
    assert f"{path}:1: missing column(s): name; unknown column(s): nom, colour" in result.output


def test_an_empty_or_non_utf8_file_is_refused(runner, tmp_path):
    result, path = _import(runner, tmp_path, "")
    assert result.exit_code == 1 and f"{path}:1: the file is empty." in result.output
    binary = tmp_path / "latin1.csv"
    binary.write_bytes("slug,name\nx,Élan\n".encode("latin-1"))
    result = runner.invoke(args=["association", "import", str(binary)])
    assert result.exit_code == 1 and "is not UTF-8 text" in result.output
    assert _count() == 0
