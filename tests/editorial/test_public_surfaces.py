"""While a live article has a working draft, every public surface shows the
live version; once a publisher publishes the draft, every surface shows the new
one at once (caches included: each test has its own, kept between requests)."""

import json
import re

import pytest
from django.test import Client

from editorial.models import Draft

pytestmark = pytest.mark.django_db

LIVE = {
    "title": "The walrus survey",
    "standfirst": "A walrus census.",
    "body": "<p>Counting walrus colonies in the bay.</p>",
}
DRAFT = {
    "title": "The narwhal survey",
    "standfirst": "A narwhal census.",
    "body": "<p>Counting narwhal pods in the fjord.</p>",
}
LIVE_WORD, DRAFT_WORD = "walrus", "narwhal"  # each only in its own version


@pytest.fixture
def scene(make_article, make_author, make_region, make_theme, make_report, make_user):
    ann = make_author("Ann Lee", slug="ann-lee")
    bo = make_author("Bo Chen", slug="bo-chen")  # credited only in the draft
    asia = make_region("Asia", slug="asia")  # the live article's region
    europe = make_region("Europe", slug="europe")  # the draft's instead
    water = make_theme("Water", slug="water")
    article = make_article(
        LIVE["title"],
        slug="polar-survey",
        standfirst=LIVE["standfirst"],
        body=LIVE["body"],
        authors=[ann],
        regions=[asia],
        themes=[water],
        tags=["rivers"],
    )
    # Shares the theme (so each page of one lists the other as related) and
    # keeps every listing the draft would move to or from a public page.
    neighbour = make_article(
        "Neighbour piece on ice",
        authors=[make_author("Cy Dunn", slug="cy-dunn")],
        regions=[asia, europe],
        themes=[water],
        tags=["rivers", "glaciers"],
    )
    report = make_report("The Arctic dossier", articles=[article, neighbour])
    return {
        "article": article,
        "neighbour": neighbour,
        "report": report,
        "ann": ann,
        "bo": bo,
        "asia": asia,
        "europe": europe,
        "water": water,
        "editor": make_user("edna", "Editor"),
        "publisher": make_user("pat", "Publisher"),
    }


def with_feeds(*bases):
    return [
        url for base in bases for url in (base, f"{base}feed/rss/", f"{base}feed/atom/")
    ]


def surfaces(scene):
    """(url, lists_it_now, lists_it_once_published): where a reader could
    meet the article, and whether it belongs there in each version."""
    old_places = with_feeds(scene["asia"].get_absolute_url(), "/tags/rivers/")
    new_places = with_feeds(
        scene["europe"].get_absolute_url(),
        "/tags/glaciers/",
        scene["bo"].get_absolute_url(),
    )
    both = [
        "/",
        scene["neighbour"].get_absolute_url(),  # related articles
        "/feeds/rss/",
        "/feeds/atom/",
        *with_feeds(
            scene["water"].get_absolute_url(),
            scene["ann"].get_absolute_url(),
            scene["report"].get_absolute_url(),
        ),
    ]
    return (
        [(url, True, True) for url in both]
        + [(url, True, False) for url in old_places]
        + [(url, False, True) for url in new_places]
    )


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reader():
    """An anonymous reader sending no validators (so a full 200 or a 404).
    One client for all their requests: each new one loads the middleware
    again, WhiteNoise's scan of the static files with it."""
    return Client()


def headline(page):
    match = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S
    )
    assert match, "no JSON-LD on the article page"
    return json.loads(match.group(1))["headline"]


def assert_article_page(reader, article, shown, hidden):
    response = reader.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert shown["title"] in page and shown["body"] in page
    assert shown["standfirst"] in page
    assert headline(page) == shown["title"]
    for text in hidden.values():
        assert text not in page


def assert_surfaces(reader, scene, *, published):
    """Every listing, feed and related box shows the version readers should
    see, and only where that version belongs."""
    url_of = scene["article"].get_absolute_url()
    shown, hidden = (DRAFT, LIVE) if published else (LIVE, DRAFT)
    word = LIVE_WORD if published else DRAFT_WORD
    for url, now, later in surfaces(scene):
        response = reader.get(url)
        belongs = later if published else now
        if url.startswith(scene["bo"].get_absolute_url()) and not belongs:
            # Bo Chen has no public article yet: no page at all.
            assert response.status_code == 404, url
            continue
        assert response.status_code == 200, url
        body = response.content.decode()
        assert word not in body, url
        assert hidden["title"] not in body, url
        if belongs:
            assert url_of in body, url
            assert shown["title"] in body, url
        else:
            assert url_of not in body, url
            assert shown["title"] not in body, url


def assert_sitemap_and_search(reader, scene, *, published):
    url_of = scene["article"].get_absolute_url()
    sitemap = reader.get("/sitemap-articles.xml")
    assert sitemap.status_code == 200
    assert url_of in sitemap.text
    found, not_found = (DRAFT_WORD, LIVE_WORD) if published else (LIVE_WORD, DRAFT_WORD)
    hit = reader.get(f"/search/?q={found}")
    assert hit.status_code == 200
    assert url_of in hit.text
    miss = reader.get(f"/search/?q={not_found}")
    assert miss.status_code == 200
    assert url_of not in miss.text
    title = (LIVE if published else DRAFT)["title"]
    assert title not in hit.text and title not in miss.text


def test_every_public_surface_shows_the_live_version_until_published(
    scene, reader, login, edit_article
):
    article = scene["article"]
    # Everything is cached first, as it would be on a busy site.
    assert_surfaces(reader, scene, published=False)

    response = edit_article(
        login(scene["editor"]),
        article,
        {
            **DRAFT,
            "regions": [str(scene["europe"].pk)],
            "tags": "glaciers",
            "authorships-TOTAL_FORMS": "2",
            "authorships-1-author": str(scene["bo"].pk),
            "authorships-1-position": "1",
        },
    )
    assert response.status_code == 302
    draft = Draft.objects.get(article=article).revision.state
    assert draft["title"] == DRAFT["title"]
    assert draft["regions"] == [scene["europe"].pk]
    assert draft["tags"] == ["glaciers"]
    assert draft["authors"] == [scene["ann"].pk, scene["bo"].pk]

    assert_article_page(reader, article, LIVE, DRAFT)
    assert_surfaces(reader, scene, published=False)
    assert_sitemap_and_search(reader, scene, published=False)

    response = edit_article(
        login(scene["publisher"]), article, action="publish", change_kind="silent"
    )
    assert response.status_code == 302
    assert not Draft.objects.filter(article=article).exists()

    assert_article_page(reader, article, DRAFT, LIVE)
    assert_surfaces(reader, scene, published=True)
    assert_sitemap_and_search(reader, scene, published=True)
    assert "Bo Chen" in reader.get(article.get_absolute_url()).text
