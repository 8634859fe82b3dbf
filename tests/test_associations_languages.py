"""Members' summaries and descriptions in French and in English: pages, search, the JSON API,
the profile form, revisions of both shapes, the CSV import, organisers' markers, the migration."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from colloquium.associations import services
from colloquium.associations.models import Association, AssociationRevision
from colloquium.associations.services import ProfileValues
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.test_browser_accessibility import axe_source as axe_source  # a fixture
from tests.test_browser_accessibility import too_wide, violations
from tests.web import csrf_token, log_in


def _both():
    return make_association(
        "refuge-du-nord",
        "Refuge du Nord",
        summary_fr="Un abri pour les victimes.",
        summary_en="A shelter for victims.",
        description_fr="Nous **accueillons**.",
        description_en="We **welcome** people.",
    )


def _french_only():
    return make_association(
        "droit-devant",
        "Droit Devant",
        summary="Du droit, pour tous.",
        description="Une *permanence* juridique.",
    )


def _english_only():
    return make_association(
        "harbour-watch",
        "Veille du Port",
        summary_en="Night outreach along the docks.",
        description_en="We walk the **docks** at night.",
    )


# -- Pages ----------------------------------------------------------------------------------


def test_the_directory_speaks_the_page_language(client):
    _both()
    french = client.get("/associations?lang=fr").get_data(as_text=True)
    assert "<p>Un abri pour les victimes.</p>" in french and "A shelter" not in french
    english = client.get("/associations?lang=en").get_data(as_text=True)
    assert "<p>A shelter for victims.</p>" in english and "Un abri" not in english


def test_the_directory_falls_back_on_the_other_language_with_lang(client):
    _french_only()
    _english_only()
    english = client.get("/associations?lang=en").get_data(as_text=True)
    assert '<p lang="fr">Du droit, pour tous.</p>' in english
    assert "<p>Night outreach along the docks.</p>" in english
    french = client.get("/associations?lang=fr").get_data(as_text=True)
    assert '<p lang="en">Night outreach along the docks.</p>' in french
    assert "<p>Du droit, pour tous.</p>" in french


def test_the_profile_speaks_the_page_language(client):
    _both()
    english = client.get("/associations/refuge-du-nord?lang=en").get_data(as_text=True)
    assert '<p class="lead">A shelter for victims.</p>' in english
    assert '<div class="prose"><p>We <strong>welcome</strong> people.</p></div>' in english
    assert "accueillons" not in english
    french = client.get("/associations/refuge-du-nord?lang=fr").get_data(as_text=True)
    assert '<p class="lead">Un abri pour les victimes.</p>' in french
    assert "<strong>accueillons</strong>" in french and "welcome" not in french


def test_the_profile_falls_back_on_the_other_language_with_lang(client):
    _french_only()
    _english_only()
    english = client.get("/associations/droit-devant?lang=en").get_data(as_text=True)
    assert '<p class="lead" lang="fr">Du droit, pour tous.</p>' in english
    assert '<div class="prose" lang="fr"><p>Une <em>permanence</em> juridique.</p></div>' in english
    french = client.get("/associations/harbour-watch?lang=fr").get_data(as_text=True)
    assert '<p class="lead" lang="en">Night outreach along the docks.</p>' in french
    assert '<div class="prose" lang="en">' in french


def test_a_profile_without_texts_shows_no_empty_blocks(client):
    make_association("sans-texte", "Sans Texte")
    html = client.get("/associations/sans-texte?lang=en").get_data(as_text=True)
    assert 'class="lead"' not in html and "about-title" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("docks", {"Veille du Port"}),  # an English-only word
        ("DOCKS", {"Veille du Port"}),
        ("victims", {"Refuge du Nord"}),  # in the English summary only
        ("abri", {"Refuge du Nord"}),  # in the French summary
        ("pour", {"Refuge du Nord", "Droit Devant"}),
        ("Veille", {"Veille du Port"}),  # the name is searched as before
    ],
)
def test_search_looks_in_both_languages(client, query, found):
    _both()
    _french_only()
    _english_only()
    for language in ("fr", "en"):
        html = client.get("/associations", query_string={"q": query, "lang": language}).get_data(
            as_text=True
        )
        names = {
            name for name in ("Refuge du Nord", "Droit Devant", "Veille du Port") if name in html
        }
        assert names == found, (language, query)


def test_search_in_english_is_blind_to_accents(app):
    make_association("cafe", "Café", summary_en="A café for survivors in Besançon.")
    assert [m.slug for m in services.search_members("CAFE FOR")] == ["cafe"]
    assert [m.slug for m in services.search_members("besancon")] == ["cafe"]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("members", [1, 20])
def test_query_counts_stay_the_same_in_both_languages(client, count_queries, language, members):
    for number in range(members):
        make_association(
            f"membre-{number}",
            f"Membre {number}",
            summary_fr="Résumé" if number % 2 else "",
            summary_en="Summary" if number % 3 else "",
            description_en="**Hello**",
        )
    with count_queries() as queries:
        assert client.get(f"/associations?lang={language}").status_code == 200
    assert len(queries) == 4, queries  # the content version first, on every cached page
    with count_queries() as queries:
        assert client.get(f"/associations/membre-0?lang={language}").status_code == 200
    assert len(queries) == 3, queries
    with count_queries() as queries:
        assert client.get(f"/api/v1/associations?lang={language}").status_code == 200
    assert len(queries) == 3, queries


# -- The JSON API ---------------------------------------------------------------------------


def _api(client, **options):
    return {entry["slug"]: entry for entry in client.get(**options).get_json()["associations"]}


def test_the_api_gives_the_language_asked_and_both_beside_it(client):
    _both()
    english = _api(client, path="/api/v1/associations?lang=en")["refuge-du-nord"]
    assert english["summary"] == "A shelter for victims."
    assert english["summary_fr"] == "Un abri pour les victimes."
    assert english["summary_en"] == "A shelter for victims."
    assert english["description"] == "We **welcome** people."
    assert english["description_fr"] == "Nous **accueillons**."
    assert english["description_en"] == "We **welcome** people."
    assert english["description_html"] == "<p>We <strong>welcome</strong> people.</p>"
    assert english["description_fr_html"] == "<p>Nous <strong>accueillons</strong>.</p>"
    assert english["description_en_html"] == "<p>We <strong>welcome</strong> people.</p>"
    french = _api(client, path="/api/v1/associations?lang=fr")["refuge-du-nord"]
    assert french["summary"] == "Un abri pour les victimes."
    assert french["description_html"] == "<p>Nous <strong>accueillons</strong>.</p>"


def test_the_api_follows_accept_language_then_french(client):
    _both()
    asked = _api(client, path="/api/v1/associations", headers={"Accept-Language": "en-GB,en"})
    assert asked["refuge-du-nord"]["summary"] == "A shelter for victims."
    default = _api(client, path="/api/v1/associations", headers={"Accept-Language": "de"})
    assert default["refuge-du-nord"]["summary"] == "Un abri pour les victimes."
    assert client.get("/api/v1/associations?lang=de").get_json()["language"] == "fr"
    # ?lang= wins over the browser's language
    chosen = _api(client, path="/api/v1/associations?lang=fr", headers={"Accept-Language": "en"})
    assert chosen["refuge-du-nord"]["summary"] == "Un abri pour les victimes."


def test_the_api_falls_back_on_the_other_language(client):
    _french_only()
    _english_only()
    english = _api(client, path="/api/v1/associations?lang=en")
    assert english["droit-devant"]["summary"] == "Du droit, pour tous."
    assert english["droit-devant"]["summary_en"] == ""
    french = _api(client, path="/api/v1/associations?lang=fr")
    assert french["harbour-watch"]["summary"] == "Night outreach along the docks."
    assert french["harbour-watch"]["summary_fr"] == ""
    assert french["harbour-watch"]["description_html"] == (
        "<p>We walk the <strong>docks</strong> at night.</p>"
    )


# -- The profile form -----------------------------------------------------------------------


@pytest.fixture
def editor_client(app):
    association = make_association("alpha", "Alpha", city="Lyon", summary="Ancien résumé.")
    make_user("editor@example.org", association=association)
    client = app.test_client()
    log_in(client, "editor@example.org")
    return client


def _edit(client, **texts):
    data = {"name": "Alpha", "city": "Lyon", "country": "France", "areas": ["victim_support"]}
    data.update(texts)
    data["csrf_token"] = csrf_token(client, "/associations/alpha/edit")
    return client.post("/associations/alpha/edit?lang=en", data=data)


def test_the_form_shows_both_languages_side_by_side(editor_client):
    html = editor_client.get("/associations/alpha/edit?lang=en").get_data(as_text=True)
    assert html.count('class="language-pair"') == 2
    for field, language in (
        ("summary_fr", "fr"),
        ("summary_en", "en"),
        ("description_fr", "fr"),
        ("description_en", "en"),
    ):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html and f'lang="{language}"' in html
    assert "Summary (in English)" in html and "Description (in French)" in html
    assert "Ancien résumé." in html


def test_the_form_saves_both_languages_as_one_revision(editor_client):
    response = _edit(
        editor_client,
        summary_fr="Nouveau résumé.",
        summary_en="A new summary.",
        description_en="In **English**.",
    )
    assert response.status_code == 302
    db.session.expire_all()
    association = db.session.scalar(sa.select(Association).filter_by(slug="alpha"))
    assert association.summary_fr == "Nouveau résumé."
    assert association.summary_en == "A new summary."
    assert association.description_en == "In **English**."
    [revision] = association.revisions
    assert revision.changes == {
        "summary_fr": {"old": "Ancien résumé.", "new": "Nouveau résumé."},
        "summary_en": {"old": "", "new": "A new summary."},
        "description_en": {"old": "", "new": "In **English**."},
    }


@pytest.mark.parametrize("field", ["summary_fr", "summary_en"])
def test_the_form_limits_each_summary_to_280_characters(editor_client, field):
    other = "summary_en" if field == "summary_fr" else "summary_fr"
    response = _edit(editor_client, **{field: "x" * 281, other: "y" * 280})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'id="{other}-error"' not in html
    db.session.expire_all()
    assert db.session.scalar(sa.select(Association.summary_en)) == ""


@pytest.mark.parametrize("field", ["summary_fr", "summary_en", "description_fr", "description_en"])
def test_the_service_checks_each_language(app, field):
    association = make_association("alpha", "Alpha")
    with pytest.raises(DomainError) as raised:
        services.update_profile(association, ProfileValues(**{field: "x" * 20001}))
    assert raised.value.field == field


# -- Revisions, old and new ------------------------------------------------------------------


@pytest.fixture
def organiser_client(app):
    make_user("organiser@example.org", role="organiser")
    client = app.test_client()
    log_in(client, "organiser@example.org")
    return client


def _old_revision(association, changes):
    """A revision saved before the texts had two languages (single ``summary`` keys)."""
    revision = AssociationRevision(association=association, author_name="Edith", changes=changes)
    db.session.add(revision)
    db.session.commit()
    return revision


def test_the_history_labels_the_new_fields(app, organiser_client):
    association = make_association("alpha", "Alpha")
    services.update_profile(
        association, ProfileValues(summary_en="A shelter.", description_fr="Un **abri**.")
    )
    db.session.commit()
    html = organiser_client.get("/admin/associations/alpha/history?lang=en").get_data(as_text=True)
    assert "<dt>Summary (in English)</dt>" in html
    assert "<dt>Description (in French)</dt>" in html
    assert "summary_en" not in html
    french = organiser_client.get("/admin/associations/alpha/history?lang=fr").get_data(
        as_text=True
    )
    assert "<dt>Résumé (en anglais)</dt>" in french


def test_old_revisions_show_and_revert_as_the_french_texts(app, organiser_client):
    association = make_association(
        "alpha", "Alpha", summary="Nouveau résumé.", summary_en="A summary."
    )
    old = _old_revision(
        association,
        {
            "summary": {"old": "Ancien résumé.", "new": "Nouveau résumé."},
            "description": {"old": "", "new": "Texte."},
        },
    )
    html = organiser_client.get("/admin/associations/alpha/history?lang=en").get_data(as_text=True)
    assert "<dt>Summary (in French)</dt>" in html and "<dt>Description (in French)</dt>" in html
    assert '<del><span class="visually-hidden">removed: </span>Ancien</del>' in html
    response = organiser_client.post(
        f"/admin/associations/alpha/revisions/{old.id}/revert",
        data={"csrf_token": csrf_token(organiser_client, "/admin/associations/alpha/history")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    association = db.session.get(Association, association.id)
    assert association.summary_fr == "Ancien résumé."
    assert association.summary_en == "A summary."  # the English text is left alone
    assert association.description_fr == ""
    revert = association.revisions[0]
    assert revert.reverts_id == old.id
    # the description is already empty: only the summary changes
    assert revert.changes == {"summary_fr": {"old": "Nouveau résumé.", "new": "Ancien résumé."}}


def test_new_revisions_revert_each_language(app):
    association = make_association("alpha", "Alpha", summary="Résumé.")
    organiser = make_user("organiser@example.org", role="organiser")
    revision = services.update_profile(
        association, ProfileValues(summary_fr="Autre.", summary_en="Other.")
    )
    services.update_profile(association, ProfileValues(description_en="Later."))
    services.revert_revision(revision, organiser)
    assert (association.summary_fr, association.summary_en) == ("Résumé.", "")
    assert association.description_en == "Later."


def test_the_editors_history_reads_both_shapes(app):
    association = make_association("alpha", "Alpha", summary="B")
    make_user("editor@example.org", association=association)
    _old_revision(association, {"summary": {"old": "A", "new": "B"}})
    services.update_profile(association, ProfileValues(summary_en="C"))
    db.session.commit()
    client = app.test_client()
    log_in(client, "editor@example.org")
    html = client.get("/associations/alpha/history?lang=en").get_data(as_text=True)
    assert "<dt>Summary (in French)</dt>" in html and "<dt>Summary (in English)</dt>" in html


def test_the_organisers_mail_names_the_fields_in_words(app):
    association = make_association("alpha", "Alpha")
    make_user("organiser@example.org", role="organiser", language="en")
    make_user("organisatrice@example.org", role="organiser", language="fr")
    services.update_profile(association, ProfileValues(summary_en="A shelter."))
    db.session.commit()
    mails = {mail.recipient: mail for mail in db.session.scalars(sa.select(OutgoingMail))}
    assert "Changed: Summary (in English)" in mails["organiser@example.org"].text_body
    assert "Résumé (en anglais)" in mails["organisatrice@example.org"].text_body


# -- CSV import -----------------------------------------------------------------------------


def _import(runner, tmp_path, text):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["association", "import", str(path)])


def test_import_reads_both_languages(runner, tmp_path):
    result = _import(
        runner,
        tmp_path,
        "slug,name,summary_fr,summary_en,description_fr,description_en\n"
        'refuge,Refuge,Un abri.,A shelter.,"Nous **accueillons**.","We **welcome**."\n',
    )
    assert result.exit_code == 0, result.output
    refuge = db.session.scalar(sa.select(Association).filter_by(slug="refuge"))
    assert (refuge.summary_fr, refuge.summary_en) == ("Un abri.", "A shelter.")
    assert (refuge.description_fr, refuge.description_en) == (
        "Nous **accueillons**.",
        "We **welcome**.",
    )


def test_import_still_reads_the_old_columns_as_french(runner, tmp_path):
    make_association("refuge", "Refuge", summary_en="A shelter.")
    result = _import(
        runner, tmp_path, "slug,name,summary,description\nrefuge,Refuge,Un abri.,Texte.\n"
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    refuge = db.session.scalar(sa.select(Association).filter_by(slug="refuge"))
    assert (refuge.summary_fr, refuge.summary_en) == ("Un abri.", "A shelter.")
    assert refuge.description_fr == "Texte."
    [revision] = refuge.revisions
    assert set(revision.changes) == {"summary_fr", "description_fr"}


def test_import_refuses_an_old_and_a_new_column_together(runner, tmp_path):
    result = _import(runner, tmp_path, "slug,name,summary,summary_fr\nrefuge,Refuge,A,B\n")
    assert result.exit_code != 0
    assert "summary and summary_fr both given" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Association)) == 0


def test_import_checks_each_language_limit(runner, tmp_path):
    result = _import(runner, tmp_path, "slug,name,summary_en\nrefuge,Refuge," + "x" * 281 + "\n")
    assert result.exit_code != 0
    assert "summary_en: At most 280 characters" in result.output


# -- Organisers' list -----------------------------------------------------------------------


@pytest.mark.parametrize("members", [1, 20])
def test_the_members_list_marks_missing_languages(organiser_client, count_queries, members):
    _both()
    _french_only()
    _english_only()
    for number in range(members):
        make_association(f"membre-{number}", f"Membre {number}", summary_fr="Résumé")
    with count_queries() as queries:
        html = organiser_client.get("/admin/associations/?lang=en").get_data(as_text=True)
    assert len(queries) == 3, queries
    rows = {
        slug: html.split(f'<tr id="{slug}">')[1].split("</tr>")[0]
        for slug in ("refuge-du-nord", "droit-devant", "harbour-watch")
    }
    assert "badge-missing" not in rows["refuge-du-nord"]
    assert "No English text" in rows["droit-devant"]
    assert "No French text" in rows["harbour-watch"]
    assert html.count("No English text") == 1 + members
    french = organiser_client.get("/admin/associations/?lang=fr").get_data(as_text=True)
    assert "Pas de texte en anglais" in french and "Pas de texte en français" in french


# -- Demo -----------------------------------------------------------------------------------


def test_the_demo_members_speak_both_languages(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    members = list(db.session.scalars(sa.select(Association)))
    assert len(members) >= 26
    for member in members:
        assert "fictive" in member.summary_fr and "made-up" in member.summary_en
        assert len(member.summary_en) <= 280
        assert "inventée" in member.description_fr and "made up" in member.description_en


# -- The migration --------------------------------------------------------------------------


def test_the_migration_keeps_the_texts_both_ways(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision="0011")
        insert = sa.text(
            "INSERT INTO association (slug, name, acronym, summary, description, website, "
            "public_email, city, country, is_member, created_at, updated_at) VALUES "
            "(:slug, :name, '', :summary, :description, '', '', 'Lyon', 'France', :yes, "
            ":now, :now)"
        )
        rows = [
            ("alpha", "Alpha", "Un abri.", "Nous **accueillons**."),
            ("beta", "Beta", "", ""),
        ]
        with db.engine.begin() as connection:
            for slug, name, summary, description in rows:
                connection.execute(
                    insert,
                    {
                        "slug": slug,
                        "name": name,
                        "summary": summary,
                        "description": description,
                        "yes": True,
                        "now": "2026-01-01 00:00:00",
                    },
                )
        upgrade(revision="0013")
        select = sa.text(
            "SELECT slug, summary_fr, summary_en, description_fr, description_en "
            "FROM association ORDER BY slug"
        )
        with db.engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(select)] == [
                ("alpha", "Un abri.", "", "Nous **accueillons**.", ""),
                ("beta", "", "", "", ""),
            ]
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE association SET summary_en = 'A shelter.', "
                    "description_en = 'We **welcome**.' WHERE slug = 'alpha'"
                )
            )
            connection.execute(
                sa.text(
                    "UPDATE association SET summary_en = 'Only in English.', "
                    "description_en = 'English.' WHERE slug = 'beta'"
                )
            )
        downgrade(revision="0011")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("association")}
        assert {"summary", "description"} <= columns
        assert not columns & {"summary_fr", "summary_en", "description_fr", "description_en"}
        select = sa.text("SELECT slug, summary, description FROM association ORDER BY slug")
        with db.engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(select)] == [
                ("alpha", "Un abri.", "Nous **accueillons**."),
                ("beta", "Only in English.", "English."),
            ]


# -- The form on a phone and on a wide screen (a real browser) -------------------------------


def test_the_pairs_stand_side_by_side_and_stack_on_a_phone(app, page, axe_source):
    association = make_association("alpha", "Alpha", summary="Résumé.", summary_en="Summary.")
    make_user("editor@example.org", association=association)
    db.session.rollback()  # end the read, so that the live server can write its session
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/login?lang=en")
    page.fill("input[name=email]", "editor@example.org")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.goto("/associations/alpha/edit?lang=en")

    def boxes():
        return [page.locator(f"#{name}").bounding_box() for name in ("summary_fr", "summary_en")]

    french, english = boxes()
    assert english["x"] > french["x"] + french["width"]  # side by side
    page.set_viewport_size({"width": 390, "height": 800})
    french, english = boxes()
    assert english["y"] > french["y"] + french["height"]  # stacked
    assert too_wide(page, 390) == []
    assert violations(page, axe_source) == []
