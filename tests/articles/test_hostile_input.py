"""Nothing a reader can type into an address or a form answers 500 (a NUL byte
is a 400: PostgreSQL cannot store or compare it)."""

import pytest

HOSTILE = [
    "",
    "x" * 5000,
    "'; DROP TABLE articles_article; --",
    '"unbalanced',
    "\x00nul",
    "%00",
    "<script>alert(1)</script>",
    "NEAR(a b)",
    "title:*",
    "-",
    "or",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "🙂" * 50,
]

QUERY_URLS = [
    "/search/?q={v}",
    "/search/?q=water&region={v}&theme={v}&author={v}",
    "/search/?q=water&since={v}&until={v}",
    "/?page={v}",
    "/authors/?page={v}",
    "/reprints/request/?article={v}",
    "/feeds/rss/?page={v}",
    "/sitemap-articles.xml?p={v}",
]

PATH_URLS = [
    "/articles/{v}/",
    "/regions/{v}/",
    "/tags/{v}/feed/atom/",
    "/reprints/verify/{v}/",
    "/reprints/request/sent/{v}/",
]


FORM_FIELDS = [
    "article", "name", "email", "organisation", "outlet_url", "medium",
    "language", "intended_date", "message", "agree", "topic", "subject",
    "form_token", "website",
]  # fmt: skip


@pytest.fixture
def site(make_article, make_author, make_region):
    region = make_region(slug="sahel")
    make_article("Water in the Sahel", regions=[region], authors=[make_author()])


@pytest.mark.parametrize("template", QUERY_URLS)
def test_query_strings(client, site, template):
    from urllib.parse import quote

    for value in HOSTILE:
        response = client.get(template.format(v=quote(value, safe="")))
        assert response.status_code in (200, 301, 302, 400, 404), (template, value)


@pytest.mark.parametrize("template", PATH_URLS)
def test_paths(client, site, template):
    from urllib.parse import quote

    for value in HOSTILE:
        response = client.get(template.format(v=quote(value, safe="")))
        assert response.status_code in (200, 301, 302, 400, 404), (template, value)


@pytest.mark.parametrize("url", ["/reprints/request/", "/contact/"])
def test_form_posts(client, site, url):
    for value in HOSTILE:
        data = dict.fromkeys(FORM_FIELDS, value)
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 429), (url, value)


def test_nul_byte_is_a_bad_request_page(client, site):
    response = client.get("/reprints/verify/%00x/")
    assert response.status_code == 400
    assert "Bad request" in response.text
