"""Links in e-mails point at the public address, with or without a request."""

from colloquium.links import external_url


def test_external_url_outside_a_request(app):
    assert external_url("pages.privacy") == "http://colloquium.test/privacy"


def test_external_url_keeps_a_path_prefix_and_query(make_app):
    app = make_app({"PUBLIC_URL": "https://example.org/colloque/"})
    with app.test_request_context("/", base_url="http://internal:8000"):
        url = external_url("pages.privacy", lang="en")
    assert url == "https://example.org/colloque/privacy?lang=en"
