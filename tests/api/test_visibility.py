"""The API sees exactly what ``published()`` sees: on every endpoint and with
every filter, no draft, article in review, scheduled or unpublished article,
nor the working draft of a live one, shows in any way."""

import pytest

from editorial import services
from editorial.state import state_of

pytestmark = pytest.mark.django_db

HIDDEN_STATES = ["draft", "review", "scheduled", "unpublished"]
SECRET = "zanzibarsecret"  # in every hidden text
DRAFT_WORD = "narwhal"  # only in the live article's working draft


@pytest.fixture
def matrix(make_article, make_author, make_region, make_theme, make_report, db):
    from django.contrib.auth.models import Group, User

    shared_author = make_author("Shared Writer", slug="shared-writer")
    region = make_region("Asia", slug="asia")
    theme = make_theme("Water", slug="water")
    live = make_article(
        "Walrus census",
        slug="walrus-census",
        standfirst="Counting walrus.",
        body="<p>Counting walrus colonies.</p>",
        authors=[shared_author],
        regions=[region],
        themes=[theme],
        tags=["common"],
    )
    hidden = []
    for state in HIDDEN_STATES:
        hidden.append(
            make_article(
                f"{state} {SECRET} title",
                state=state,
                slug=f"{state}-{SECRET}",
                standfirst=f"{SECRET} standfirst",
                body=f"<p>{SECRET} body common walrus</p>",
                authors=[
                    shared_author,
                    make_author(f"{SECRET} {state}", slug=f"{SECRET}-{state}"),
                ],
                regions=[region],
                themes=[theme],
                tags=["common", f"{SECRET}-{state}-tag"],
            )
        )
    make_report("Shared dossier", slug="shared-dossier", articles=[live, *hidden])
    for article in hidden:
        make_report(
            f"{SECRET} dossier", slug=f"{SECRET}-{article.pk}", articles=[article]
        )
    publisher = User.objects.create_user(
        "pat", password="a-long-password-1", is_staff=True
    )
    publisher.groups.add(Group.objects.get(name="Publisher"))
    state = state_of(live)
    state.update(
        title=f"{DRAFT_WORD} census",
        standfirst=f"Counting {DRAFT_WORD}.",
        body=f"<p>Counting {DRAFT_WORD} pods.</p>",
    )
    assert services.save(live, user=publisher, state=state) is not None
    return {"live": live, "hidden": hidden}


def urls(matrix):
    base = "/api/v1/articles/"
    filters = [
        "",
        "region=asia",
        "theme=water",
        "report=shared-dossier",
        "author=shared-writer",
        "tag=common",
        "published_after=2000-01-01",
        "published_before=2999-01-01",
        "updated_since=2000-01-01T00:00:00Z",
        f"q={SECRET}",
        f"q={DRAFT_WORD}",
        "q=walrus",
        "q=common",
        "limit=100",
        "region=asia&theme=water&tag=common&q=walrus",
    ]
    listed = [f"{base}?{query}" for query in filters]
    listed += [f"{base}?author={SECRET}-{state}" for state in HIDDEN_STATES]
    listed += [f"{base}?tag={SECRET}-{state}-tag" for state in HIDDEN_STATES]
    subjects = [f"/api/v1/{kind}/" for kind in ("authors", "regions", "themes")]
    subjects += ["/api/v1/reports/", "/api/v1/tags/", "/api/v1/reports/shared-dossier/"]
    subjects += ["/api/v1/authors/shared-writer/", "/api/v1/tags/common/"]
    return listed, subjects


def test_nothing_unpublished_shows_anywhere(api, matrix):
    listed, subjects = urls(matrix)
    for url in listed:
        response = api.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert SECRET not in text, url
        assert DRAFT_WORD not in text, url
        slugs = [article["slug"] for article in response.json()["results"]]
        assert set(slugs) <= {"walrus-census"}, url
    for url in subjects:
        response = api.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    live = api.get("/api/v1/articles/walrus-census/")
    assert live.json()["title"] == "Walrus census"
    assert DRAFT_WORD not in live.content.decode()
    assert SECRET not in live.content.decode()
    assert [a["slug"] for a in live.json()["authors"]] == ["shared-writer"]
    assert "shared-dossier" in live.content.decode()


def test_hidden_things_are_404_like_missing_ones(api, matrix):
    missing = api.get("/api/v1/articles/never-was/")
    for article in matrix["hidden"]:
        response = api.get(f"/api/v1/articles/{article.slug}/")
        assert response.status_code == 404, article.slug
        assert response.content == missing.content
    for state in HIDDEN_STATES:
        assert api.get(f"/api/v1/authors/{SECRET}-{state}/").status_code == 404
        assert api.get(f"/api/v1/tags/{SECRET}-{state}-tag/").status_code == 404
    for article in matrix["hidden"]:
        assert api.get(f"/api/v1/reports/{SECRET}-{article.pk}/").status_code == 404


def test_a_published_draft_shows_at_once(api, matrix, make_article):
    from articles.models import Article

    before = api.get("/api/v1/articles/")
    article = Article.objects.get(slug="walrus-census")
    article.title = f"{DRAFT_WORD} census"
    article.save()
    after = api.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert DRAFT_WORD in after.content.decode()
