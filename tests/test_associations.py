"""The members' directory, profiles, sanitised descriptions, the JSON API and logos."""

import io

import pytest
from PIL import Image

from colloquium.associations import services
from colloquium.extensions import db
from colloquium.markdown import render_markdown
from tests.factories import make_association


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


def test_directory_lists_members_with_a_live_count(client):
    make_association("refuge-du-nord", "Refuge du Nord", acronym="RDN", summary="Un abri.")
    make_association("ancien-membre", "Ancien Membre", is_member=False)
    page = client.get("/associations?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 member association works together" in html
    assert "Refuge du Nord" in html and "(RDN)" in html and "Un abri." in html
    assert "Ancien Membre" not in html
    assert 'src="/associations/refuge-du-nord/logo?v=initials"' in html


def test_directory_search_and_area_filter_are_plain_links(client):
    make_association("refuge-du-nord", "Refuge du Nord", city="Lille", areas=["shelter_housing"])
    make_association("droit-devant", "Droit Devant", city="Lyon", areas=["legal_aid", "advocacy"])
    make_association("cent-pour-cent", "100% Enfance", city="Nantes", areas=["child_protection"])

    def names(query):
        html = client.get("/associations" + query).get_data(as_text=True)
        found = ("Refuge du Nord", "Droit Devant", "100% Enfance")
        return {name for name in found if name in html}

    assert names("") == {"Refuge du Nord", "Droit Devant", "100% Enfance"}
    assert names("?q=lyon") == {"Droit Devant"}
    assert names("?q=REFUGE") == {"Refuge du Nord"}
    assert names("?area=legal_aid") == {"Droit Devant"}
    assert names("?q=lyon&area=shelter_housing") == set()
    assert names("?q=%25") == {"100% Enfance"}  # % is a character, not a wildcard
    assert names("?q=_") == set()
    assert names("?area=not-an-area") == {"Refuge du Nord", "Droit Devant", "100% Enfance"}
    assert "No association matches" in client.get("/associations?q=zzz&lang=en").get_data(
        as_text=True
    )


@pytest.mark.parametrize("query", ["etudes", "ÉTUDES", "Études", "études", "d'etudes aur"])
def test_directory_search_is_blind_to_case_and_accents(client, query):
    make_association("cercle-etudes", "Cercle d'Études Aurore", city="Besançon")
    make_association("refuge-du-nord", "Refuge du Nord", city="Lille")
    html = client.get("/associations", query_string={"q": query}).get_data(as_text=True)
    assert "Cercle d&#39;Études Aurore" in html
    assert "Refuge du Nord" not in html


def test_directory_search_folds_the_other_columns_too(client):
    make_association("cercle-etudes", "Cercle", city="Besançon", summary="Élan commun")
    for query in ("besancon", "ELAN"):
        html = client.get("/associations", query_string={"q": query}).get_data(as_text=True)
        assert 'class="card member-card"' in html, query


def test_directory_sorts_accented_names_among_their_letters(client):
    for slug, name in [
        ("zephyr", "Zéphyr"),
        ("ecoute", "Écoute Passage 33"),
        ("abri", "abri de nuit"),
        ("etoile", "Étoile"),
        ("elan", "Élan"),
        ("droit", "Droit Devant"),
        ("ecole", "école du soir"),
    ]:
        make_association(slug, name)
    names = [a.name for a in services.search_members()]
    assert names == [
        "abri de nuit",
        "Droit Devant",
        "école du soir",
        "Écoute Passage 33",
        "Élan",
        "Étoile",
        "Zéphyr",
    ]
    assert [a.name for a in services.list_all_associations()] == names


@pytest.mark.parametrize("members", [1, 100])
def test_directory_runs_a_fixed_number_of_queries(client, count_queries, members):
    for number in range(members):
        make_association(f"membre-{number}", f"Membre {number}", areas=["prevention", "health"])
    with count_queries() as queries:
        page = client.get("/associations")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="card member-card"') == members
    # the content version, the count, the members, their areas
    assert len(queries) == 4, queries
    with count_queries() as queries:
        assert client.get("/api/v1/associations").status_code == 200
    assert len(queries) == 3, queries  # the content version, the members, their areas


def test_profile_page_shows_everything_with_safe_links(client, count_queries):
    make_association(
        "refuge-du-nord",
        "Refuge du Nord",
        website="https://refuge.example.org",
        public_email="contact@refuge.example.org",
        member_since=2012,
        description="Nous **accueillons**.",
    )
    with count_queries() as queries:
        page = client.get("/associations/refuge-du-nord?lang=en")
    assert len(queries) == 3, queries  # the content version, the association, its areas
    html = page.get_data(as_text=True)
    assert '<a href="https://refuge.example.org" rel="nofollow noopener">' in html
    assert 'href="mailto:contact@refuge.example.org"' in html
    assert "<strong>accueillons</strong>" in html
    assert "2012" in html
    assert "Edit this profile" not in html


def test_unknown_and_archived_profiles_are_not_found(client):
    make_association("ancien-membre", is_member=False)
    assert client.get("/associations/ancien-membre").status_code == 404
    assert client.get("/associations/ancien-membre/logo").status_code == 404
    assert client.get("/associations/nope").status_code == 404


@pytest.mark.parametrize(
    ("markdown", "absent", "present"),
    [
        ("<script>alert(1)</script>Bonjour", ["<script", "alert(1)</"], ["Bonjour"]),
        ('<img src="x" onerror="alert(1)">', ["onerror", "<img"], []),
        ("[clic](javascript:alert(1))", ["javascript:"], ["clic"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "JaVaScRiPt"], []),
        ('<p style="color:red" onclick="x()">p</p>', ["style=", "onclick"], ["<p>p</p>"]),
        (
            "[site](https://example.org)",
            [],
            ['<a href="https://example.org" rel="nofollow noopener">site</a>'],
        ),
        ("<iframe src='https://evil.example'></iframe>", ["<iframe"], []),
    ],
)
def test_descriptions_are_sanitised(app, markdown, absent, present):
    html = str(render_markdown(markdown))
    for text in absent:
        assert text not in html
    for text in present:
        assert text in html


def test_sanitised_description_on_the_page(client):
    make_association("refuge", description='<script>alert("x")</script>\n\n[a](javascript:x)')
    html = client.get("/associations/refuge").get_data(as_text=True)
    assert "<script>alert" not in html and "javascript:x" not in html


def test_api_gives_the_directory_as_json(client):
    make_association(
        "refuge-du-nord",
        "Refuge du Nord",
        areas=["victim_support", "advocacy"],
        member_since=2010,
        description="**Fort**",
    )
    make_association("ancien-membre", is_member=False)
    data = client.get("/api/v1/associations").get_json()
    assert data["count"] == 1
    [entry] = data["associations"]
    assert entry["slug"] == "refuge-du-nord"
    assert entry["areas"] == ["victim_support", "advocacy"]
    assert entry["member_since"] == 2010
    assert entry["url"] == "http://colloquium.test/associations/refuge-du-nord"
    assert entry["description_html"] == "<p><strong>Fort</strong></p>"
    assert entry["logo_url"] is None


# -- Logos ------------------------------------------------------------------------------------


def test_a_member_without_logo_gets_an_initials_placeholder(client):
    make_association("refuge-du-nord", "Refuge du Nord", acronym="R&D")
    response = client.get("/associations/refuge-du-nord/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert ">RD<" in body and "<script" not in body
    assert response.headers["ETag"]
    again = client.get(
        "/associations/refuge-du-nord/logo", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_stored_logo_is_served_with_cache_headers_and_an_etag(client, count_queries):
    association = make_association("refuge-du-nord")
    association.logo_digest = services.store_logo(_png())
    db.session.commit()
    with count_queries() as queries:
        response = client.get("/associations/refuge-du-nord/logo")
    assert len(queries) == 3, queries  # association, its areas, the logo
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert association.logo_digest in etag
    assert Image.open(io.BytesIO(response.data)).size == (40, 30)
    again = client.get("/associations/refuge-du-nord/logo", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_logo_address_naming_its_digest_is_cached_for_good(client):
    association = make_association("refuge-du-nord")
    association.logo_digest = services.store_logo(_png())
    db.session.commit()
    response = client.get(f"/associations/refuge-du-nord/logo?v={association.logo_digest}")
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    stale = client.get("/associations/refuge-du-nord/logo?v=an-old-digest")
    assert "immutable" not in stale.headers["Cache-Control"]
