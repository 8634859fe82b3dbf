"""Brochures: uploaded PDFs checked by their content, ordered, removed, served and listed."""

import io
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from PIL import Image
from pypdf import PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from colloquium.i18n import file_size
from colloquium.resources import services
from colloquium.resources.demo import draw_brochure
from colloquium.resources.models import Brochure
from colloquium.resources.services import BrochureUpload
from tests.factories import make_user
from tests.web import csrf_token, log_in

ORGANISER = "organiser@example.org"
URL = "/admin/resources/"


def pdf(pages=2, lines=("Brochure de test",)) -> bytes:
    return draw_brochure([list(lines)] * pages)


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf()))
    writer.encrypt("secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def add(title="Guide", data=None, filename="guide.pdf") -> Brochure:
    brochure = services.add_brochure(
        BrochureUpload(title, "", "", "", filename, data or pdf()), None
    )
    db.session.commit()
    return brochure


@pytest.fixture
def organiser(app, client):
    make_user(ORGANISER, role="organiser")
    db.session.commit()
    assert log_in(client, ORGANISER).status_code == 302
    return client


def upload(client, data, filename="brochure.pdf", title="Guide de repérage", description=""):
    token = csrf_token(client, URL)
    # Encoded here, in memory: the test client would spool a large body to a file it never
    # closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "title_fr": title,
            "description_fr": description,
            "file": FileStorage(io.BytesIO(data), filename, content_type="application/pdf"),
        }
    )
    return client.post(
        URL + "?lang=en", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def brochures():
    db.session.expire_all()
    return db.session.scalars(sa.select(Brochure).order_by(Brochure.position)).all()


def audit_entries():
    db.session.expire_all()
    return [(e.action, e.target, e.details) for e in db.session.scalars(sa.select(AuditEntry))]


def test_a_brochure_uploaded_is_listed_and_downloaded_byte_for_byte(organiser, client):
    data = pdf(pages=3)
    response = upload(organiser, data, "Guide répérage (2026).pdf", description="Pour les équipes.")
    assert response.status_code == 302
    [brochure] = brochures()
    assert (brochure.title_fr, brochure.page_count, brochure.size) == (
        "Guide de repérage",
        3,
        len(data),
    )
    assert audit_entries() == [
        ("brochures.upload", f"brochure:{brochure.id}", {"bytes": len(data), "pages": 3})
    ]
    html = client.get("/resources?lang=fr").get_data(as_text=True)
    assert "Guide de repérage" in html and "Pour les équipes." in html
    assert "PDF, 1\u00a0Ko, 3\u00a0pages" in html or "PDF, 2\u00a0Ko, 3\u00a0pages" in html
    download = client.get(f"/resources/brochures/{brochure.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == (
        'inline; filename="Guide de reperage.pdf"; '
        "filename*=UTF-8''Guide%20de%20rep%C3%A9rage.pdf"
    )
    assert "public" in download.headers["Cache-Control"]
    assert "max-age=3600" in download.headers["Cache-Control"]
    assert download.headers["ETag"] == f'"{brochure.digest}"'


def test_an_unchanged_brochure_answers_304_without_reading_the_file(client, count_queries):
    brochure = add()
    etag = f'"{brochure.digest}"'
    with count_queries() as queries:
        response = client.get(
            f"/resources/brochures/{brochure.id}", headers={"If-None-Match": etag}
        )
    assert response.status_code == 304
    assert response.data == b""
    assert len(queries) == 1, queries  # the brochure's row, not its file
    assert client.get("/resources/brochures/999999").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png(), "This file is not a PDF."),
        (b"%PDF-1.7\nnot really a PDF, only its first bytes\n%%EOF\n", "This PDF is damaged"),
        (pdf()[:400], "This PDF is damaged"),
        (encrypted_pdf(), "This PDF is protected by a password."),
        (b"", "Choose a PDF file."),
    ],
    ids=["png-renamed", "pdf-header-only", "truncated", "encrypted", "empty"],
)
def test_anything_but_a_readable_pdf_is_refused_next_to_the_field(organiser, data, message):
    response = upload(organiser, data, "brochure.pdf", title="Mon titre gardé")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error-message" id="file-error">([^<]+)</p>', html)
    assert error and message in error.group(1)
    assert 'value="Mon titre gardé"' in html  # what was typed is kept
    assert brochures() == [] and audit_entries() == []


def test_the_size_and_page_bounds(organiser, monkeypatch):
    assert services.check_pdf(blank_pdf(200)) == 200
    response = upload(organiser, blank_pdf(201))
    assert "more than 200 pages" in response.get_data(as_text=True)
    padded = pdf() + b"%" + b" " * (services.MAX_BYTES - len(pdf()))  # a comment: still a PDF
    assert len(padded) == services.MAX_BYTES + 1
    response = upload(organiser, padded)
    assert response.status_code == 200
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert brochures() == []


def test_a_title_is_required(organiser):
    response = upload(organiser, pdf(), title="")
    assert response.status_code == 200
    assert 'id="title_fr-error"' in response.get_data(as_text=True)
    assert brochures() == []


def test_brochures_move_up_and_down(organiser):
    first, second, third = add("Alpha"), add("Bravo"), add("Charlie")
    token = csrf_token(organiser, URL)
    assert organiser.post(f"{URL}{third.id}/up", data={"csrf_token": token}).status_code == 302
    assert [b.title_fr for b in brochures()] == ["Alpha", "Charlie", "Bravo"]
    organiser.post(f"{URL}{first.id}/down", data={"csrf_token": token})
    assert [b.title_fr for b in brochures()] == ["Charlie", "Alpha", "Bravo"]
    organiser.post(f"{URL}{second.id}/down", data={"csrf_token": token})  # already last
    assert [b.title_fr for b in brochures()] == ["Charlie", "Alpha", "Bravo"]
    html = organiser.get("/resources").get_data(as_text=True)
    assert html.index(">Charlie<") < html.index(">Alpha<") < html.index(">Bravo<")


def test_removing_asks_first_then_removes_and_audits(organiser):
    brochure = add("À retirer")
    brochure_id, size = brochure.id, brochure.size
    brochure_id, size = brochure.id, brochure.size
    question = organiser.get(f"{URL}{brochure.id}/remove?lang=en")
    assert question.status_code == 200
    html = question.get_data(as_text=True)
    assert "Remove the brochure “À retirer”?" in html
    assert len(brochures()) == 1  # asking removed nothing
    token = csrf_token(organiser, html=html)
    assert (
        organiser.post(f"{URL}{brochure_id}/remove", data={"csrf_token": token}).status_code == 302
    )
    assert brochures() == []
    assert (
        "brochures.remove",
        f"brochure:{brochure_id}",
        {"bytes": size, "pages": 2},
    ) in (audit_entries())
    assert organiser.get(f"/resources/brochures/{brochure_id}").status_code == 404


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 10])
def test_the_pages_run_a_fixed_number_of_queries_and_never_load_the_files(
    app, organiser, count_queries, language, count
):
    for number in range(count):
        add(f"Brochure {number}")
    loaded = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: loaded.append(args[2]))
    with count_queries() as public:
        assert organiser.get(f"/resources?lang={language}").status_code == 200
    with count_queries() as admin:
        assert organiser.get(f"{URL}?lang={language}").status_code == 200
    assert len(public) == 2, public  # the user, the brochures
    assert len(admin) == 2, admin
    assert not any("brochure.data" in statement for statement in loaded)


def test_sizes_read_in_the_page_language(app):
    with app.test_request_context(), force_locale("fr"):
        assert file_size(1_258_291) == "1,2\u00a0Mo"
        assert file_size(850 * 1024) == "850\u00a0Ko"
    with app.test_request_context(), force_locale("en"):
        assert file_size(1_258_291) == "1.2 MB"
        assert file_size(300) == "1 kB"


def test_the_demo_adds_two_fictional_brochures_once(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    second = runner.invoke(args=["demo"])
    assert "Brochures already there." in second.output
    listed = brochures()
    assert [b.title_fr for b in listed] == [
        "Guide fictif de démonstration — repérer les victimes",
        "Brochure fictive — rapport annuel",
    ]
    for brochure in listed:
        assert services.check_pdf(brochure.data) == brochure.page_count
        assert client.get(f"/resources/brochures/{brochure.id}").status_code == 200


PERMISSIONS = [
    ("GET", "/admin/resources/"),
    ("POST", "/admin/resources/"),
    ("POST", "/admin/resources/{second}/up"),
    ("POST", "/admin/resources/{first}/down"),
    ("GET", "/admin/resources/{first}/remove"),
    ("POST", "/admin/resources/{first}/remove"),
]


@pytest.mark.parametrize("actor", ["anonymous", "editor", "organiser"])
@pytest.mark.parametrize(("method", "url"), PERMISSIONS, ids=[f"{m} {u}" for m, u in PERMISSIONS])
def test_permission_table(app, actor, method, url):
    from tests.factories import make_association

    make_user("editor@example.org", association=make_association())
    make_user(ORGANISER, role="organiser")
    ids = {"first": add("Alpha").id, "second": add("Bravo").id}
    client = app.test_client()
    if actor != "anonymous":
        assert log_in(client, f"{actor}@example.org").status_code == 302

    def state():
        return [(b.id, b.title_fr) for b in brochures()], audit_entries()

    before = state()
    target = url.format(**ids)
    if method == "GET":
        response = client.get(target)
    elif target == URL:
        response = upload(client, pdf(), title="Charlie") if actor == "organiser" else None
        if response is None:
            token = csrf_token(client, "/password/reset" if actor == "anonymous" else "/")
            response = client.post(target, data={"csrf_token": token, "title_fr": "Charlie"})
    else:
        token = csrf_token(client, "/password/reset" if actor == "anonymous" else "/")
        response = client.post(target, data={"csrf_token": token})
    if actor == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif actor == "editor":
        assert response.status_code == 404
    elif method == "GET":
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert response.status_code == 302
        assert state() != before
    if actor != "organiser":
        assert state() == before


def test_anyone_may_download_a_brochure_and_see_the_list(client):
    brochure = add("Public")
    assert client.get(f"/resources/brochures/{brochure.id}").status_code == 200
    assert "Public" in client.get("/resources").get_data(as_text=True)


def test_file_names_are_safe_in_the_header_and_on_disk():
    from colloquium.resources.views import content_disposition

    assert (
        services.safe_filename("C:\\Users\\x\\Rapport\x07 final.PDF", "T") == "Rapport- final.PDF"
    )
    assert services.safe_filename("../../etc/passwd", "Rapport annuel") == "passwd.pdf"
    assert services.safe_filename("", "Guide / fictif") == "Guide - fictif.pdf"
    assert content_disposition("报告.pdf") == (
        "inline; filename=\"brochure.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"
    )
    assert content_disposition('a"b;c.pdf') == (
        "inline; filename=\"a_b;c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
    )
