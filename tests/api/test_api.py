"""The read API: responses, the schema they follow, pagination, conditional
GET, CORS and the rate limit."""

import jsonschema
import pytest
from openapi_spec_validator import validate

from articles.models import Correction

pytestmark = pytest.mark.django_db


def response_schema(schema, path, status="200"):
    """The JSON Schema the OpenAPI document gives for one response, with its
    components reachable for ``$ref``."""
    operation = schema["paths"][path]["get"]
    body = operation["responses"][status]["content"]["application/json"]["schema"]
    return {**body, "components": schema["components"]}


def assert_matches(schema, path, response, status="200"):
    assert response["Content-Type"].startswith("application/json")
    jsonschema.validate(response.json(), response_schema(schema, path, status))


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report):
    ann = make_author("Ann Lee", slug="ann-lee", links="https://a.example\n")
    asia = make_region("Asia", slug="asia")
    water = make_theme("Water", slug="water")
    article = make_article(
        "Rivers of Asia",
        slug="rivers-of-asia",
        authors=[ann],
        regions=[asia],
        themes=[water],
        tags=["rivers"],
        original_outlet="The Daily",
        original_url="https://daily.example/rivers",
    )
    Correction.objects.create(
        article=article, kind="correction", note="A date fixed.", revision_number=2
    )
    report = make_report("Dossier", slug="dossier", articles=[article])
    return {"article": article, "ann": ann, "asia": asia, "report": report}


def test_the_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/articles/" in schema["paths"]


def test_every_endpoint_answers_as_its_schema_says(api, schema, world):
    cases = {
        "/api/v1/articles/": "/api/v1/articles/",
        "/api/v1/articles/{slug}/": "/api/v1/articles/rivers-of-asia/",
        "/api/v1/authors/": "/api/v1/authors/",
        "/api/v1/authors/{slug}/": "/api/v1/authors/ann-lee/",
        "/api/v1/regions/": "/api/v1/regions/",
        "/api/v1/regions/{slug}/": "/api/v1/regions/asia/",
        "/api/v1/themes/": "/api/v1/themes/",
        "/api/v1/themes/{slug}/": "/api/v1/themes/water/",
        "/api/v1/reports/": "/api/v1/reports/",
        "/api/v1/reports/{slug}/": "/api/v1/reports/dossier/",
        "/api/v1/tags/": "/api/v1/tags/",
        "/api/v1/tags/{slug}/": "/api/v1/tags/rivers/",
    }
    assert set(cases) <= set(schema["paths"])
    for path, url in cases.items():
        response = api.get(url)
        assert response.status_code == 200, url
        assert_matches(schema, path, response)
    missing = api.get("/api/v1/articles/nothing-here/")
    assert missing.status_code == 404
    assert_matches(schema, "/api/v1/articles/{slug}/", missing, "404")
    bad = api.get("/api/v1/articles/?cursor=garbage")
    assert bad.status_code == 400
    assert_matches(schema, "/api/v1/articles/", bad, "400")


def test_article_detail_carries_everything_a_reprint_needs(api, world):
    data = api.get("/api/v1/articles/rivers-of-asia/").json()
    assert data["title"] == "Rivers of Asia"
    assert data["body"] == "<p>Body of Rivers of Asia.</p>"
    assert [a["slug"] for a in data["authors"]] == ["ann-lee"]
    assert data["authors"][0]["url"] == "http://testserver/authors/ann-lee/"
    assert [r["slug"] for r in data["regions"]] == ["asia"]
    assert [t["slug"] for t in data["tags"]] == ["rivers"]
    assert [r["slug"] for r in data["reports"]] == ["dossier"]
    assert data["provenance"]["outlet"] == "The Daily"
    assert data["copyright"].startswith("Copyright © Ann Lee")
    assert [c["note"] for c in data["corrections"]] == ["A date fixed."]
    assert data["canonical_url"] == "http://testserver/articles/rivers-of-asia/"
    assert isinstance(data["notices"], dict)


def test_filters(api, world, make_article):
    make_article("Elsewhere", slug="elsewhere")
    for query, slugs in {
        "region=asia": ["rivers-of-asia"],
        "theme=water": ["rivers-of-asia"],
        "report=dossier": ["rivers-of-asia"],
        "author=ann-lee": ["rivers-of-asia"],
        "tag=rivers": ["rivers-of-asia"],
        "region=nowhere": [],
        "published_after=2999-01-01": [],
        "published_before=2000-01-01": [],
        "updated_since=2999-01-01T00:00:00Z": [],
        "q=rivers": ["rivers-of-asia"],
        "q=elsewhere": ["elsewhere"],
    }.items():
        response = api.get(f"/api/v1/articles/?{query}")
        assert response.status_code == 200, query
        assert [a["slug"] for a in response.json()["results"]] == slugs, query


@pytest.mark.parametrize(
    "query",
    [
        "cursor=abc",
        "cursor=",
        "limit=0",
        "limit=101",
        "limit=x",
        "published_after=2024-13-01",
        "updated_since=yesterday",
        "updated_since=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_bad_parameters_are_400_json(api, query):
    response = api.get(f"/api/v1/articles/?{query}")
    assert response.status_code in (200, 400), query
    if query != "cursor=":
        assert response.status_code == 400, query
        assert "detail" in response.json()


def test_keyset_pagination_walks_every_article_once(api, make_article):
    made = [make_article(f"Piece {n}", slug=f"piece-{n}") for n in range(7)]
    seen = []
    url = "/api/v1/articles/?limit=3"
    pages = 0
    while url:
        data = api.get(url).json()
        seen += [a["slug"] for a in data["results"]]
        url = data["next"]
        if url:
            assert url.startswith("http://testserver/api/v1/articles/?")
            assert "limit=3" in url
        pages += 1
    assert pages == 3
    assert (
        seen == [a.slug for a in sorted(made, key=lambda a: (a.publish_at, a.pk))][::-1]
    )


def test_search_pages_follow_the_ranking(api, make_article):
    for n in range(5):
        make_article(f"Glacier {n}", slug=f"glacier-{n}")
    first = api.get("/api/v1/articles/?q=glacier&limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    slugs = [a["slug"] for page in (first, second, third) for a in page["results"]]
    assert sorted(slugs) == [f"glacier-{n}" for n in range(5)]
    assert third["next"] is None


def test_conditional_get_answers_304_until_something_changes(api, world):
    url = "/api/v1/articles/"
    first = api.get(url)
    assert first["Cache-Control"] == "public, max-age=300"
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    article = world["article"]
    article.title = "Rivers, revised"
    article.save()
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Rivers, revised" in changed.text
    detail = api.get("/api/v1/articles/rivers-of-asia/")
    assert (
        api.get(
            "/api/v1/articles/rivers-of-asia/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )


def test_cors_and_preflight(api, world):
    response = api.get("/api/v1/articles/", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = api.options(
        "/api/v1/articles/",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    head = api.head("/api/v1/articles/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Access-Control-Allow-Origin"] == "*"
    assert api.post("/api/v1/articles/").status_code == 405
    # The HTML site is not opened to other origins.
    assert "Access-Control-Allow-Origin" not in api.get("/")


def test_rate_limit_per_client(api, settings, monkeypatch):
    from api import limits

    settings.API_RATE_PER_MINUTE = 3
    monkeypatch.setattr(limits, "clock", lambda: 600.0)
    for _ in range(3):
        assert api.get("/api/v1/regions/").status_code == 200
    refused = api.get("/api/v1/regions/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    assert refused["Access-Control-Allow-Origin"] == "*"
    other = api.get("/api/v1/regions/", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200
    # A minute and a half later, half the old minute still counts.
    monkeypatch.setattr(limits, "clock", lambda: 690.0)
    assert api.get("/api/v1/regions/").status_code == 200
    monkeypatch.setattr(limits, "clock", lambda: 780.0)
    for _ in range(3):
        assert api.get("/api/v1/regions/").status_code == 200


def test_docs_page_lists_endpoints_without_scripts(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "/api/v1/articles/" in response.text
    assert "cdn" not in response.text.lower()
    assert "swagger" not in response.text.lower()


@pytest.mark.parametrize("count", [1, 20])
def test_fixed_number_of_queries(
    api, count, make_article, make_author, make_region, django_assert_max_num_queries
):
    region = make_region()
    for n in range(count):
        make_article(
            authors=[make_author(), make_author()], regions=[region], tags=[f"t{n}"]
        )
    with django_assert_max_num_queries(9):
        assert api.get("/api/v1/articles/").status_code == 200
    with django_assert_max_num_queries(9):
        assert api.get("/api/v1/articles/?q=body").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/articles/article-1/").status_code in (200, 404)
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/authors/").status_code == 200
