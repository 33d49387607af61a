"""Nothing a reader can type into an address or a form answers 500, on either
database (PostgreSQL refuses NUL bytes in text)."""

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
        assert response.status_code in (200, 301, 302, 404), (template, value)


@pytest.mark.parametrize("template", PATH_URLS)
def test_paths(client, site, template):
    from urllib.parse import quote

    for value in HOSTILE:
        response = client.get(template.format(v=quote(value, safe="")))
        assert response.status_code in (200, 301, 302, 404), (template, value)


@pytest.mark.parametrize("url", ["/reprints/request/", "/contact/"])
def test_form_posts(client, site, url):
    for value in HOSTILE:
        data = dict.fromkeys(FORM_FIELDS, value)
        response = client.post(url, data)
        assert response.status_code in (200, 302, 429), (url, value)


def test_nul_bytes_in_an_address_or_a_search(client, site):
    assert client.get("/reprints/verify/%00x/").status_code == 404
    response = client.get("/search/?q=wat%00er")
    assert response.status_code == 200
    assert "Water in the Sahel" in response.text
