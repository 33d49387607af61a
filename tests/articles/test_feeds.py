import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report):
    ann = make_author("Ann Lee")
    region = make_region("Asia")
    theme = make_theme("Water")
    article = make_article(
        "Rivers run dry",
        authors=[ann],
        regions=[region],
        themes=[theme],
        tags=["drought"],
        standfirst="Lower than ever & falling.",
    )
    report = make_report("Dossier", articles=[article])
    return locals()


def feed_urls(world):
    bases = [
        world["region"].get_absolute_url(),
        world["theme"].get_absolute_url(),
        world["report"].get_absolute_url(),
        world["ann"].get_absolute_url(),
        "/tags/drought/",
    ]
    return ["/feeds/rss/", "/feeds/atom/"] + [
        base + f"feed/{kind}/" for base in bases for kind in ("rss", "atom")
    ]


def test_every_feed_parses_with_absolute_urls_authors_categories_dates(client, world):
    for url in feed_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.version in {"rss20", "atom10"}, url
        [entry] = parsed.entries
        assert entry.title == "Rivers run dry"
        assert entry.link.startswith("http://testserver/articles/")
        assert entry.author == "Ann Lee"
        terms = {tag.term for tag in entry.tags}
        assert {"Asia", "Water", "drought"} <= terms
        assert entry.published_parsed
        if parsed.version == "atom10":
            assert entry.updated_parsed
        assert parsed.feed.link.startswith("http://testserver/")


def test_feed_lists_newest_first_at_most_twenty(client, make_article):
    now = timezone.now()
    for number in range(25):
        make_article(f"Item {number:02d}", publish_at=now - timedelta(hours=number + 1))
    parsed = feedparser.parse(client.get("/feeds/rss/").content)
    titles = [entry.title for entry in parsed.entries]
    assert len(titles) == 20
    assert titles[0] == "Item 00" and titles[-1] == "Item 19"


def test_unknown_feed_subject_is_404(client, db):
    assert client.get("/regions/nowhere/feed/rss/").status_code == 404
    assert client.get("/authors/nobody/feed/atom/").status_code == 404


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_urls(client):
    """Every address in the sitemap files that /sitemap.xml lists, with lastmod."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    urls = {}
    for node in ET.fromstring(index.content).findall("s:sitemap", SITEMAP_NS):
        section = client.get(node.find("s:loc", SITEMAP_NS).text)
        assert section.status_code == 200
        for url in ET.fromstring(section.content).findall("s:url", SITEMAP_NS):
            urls[url.find("s:loc", SITEMAP_NS).text] = url.find("s:lastmod", SITEMAP_NS)
    return urls


def test_sitemap_lists_public_articles_and_listings(client, world, make_article):
    draft = make_article("Draft", state="draft")
    urls = sitemap_urls(client)
    article_url = "http://testserver" + world["article"].get_absolute_url()
    assert urls[article_url] is not None  # lastmod
    assert "http://testserver" + draft.get_absolute_url() not in urls
    for listing in (
        "/",
        world["region"].get_absolute_url(),
        world["theme"].get_absolute_url(),
        world["report"].get_absolute_url(),
        world["ann"].get_absolute_url(),
        "/tags/drought/",
    ):
        assert "http://testserver" + listing in urls, listing
