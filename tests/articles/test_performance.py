"""Each public page runs a fixed number of SQL queries, with 1 or 20 of each
related thing; deep listing pages seek instead of scanning an OFFSET."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

# A first request, whose page also fills what every page shares (the identity,
# notices, lists of regions, themes and reports, counts, page boundaries, the
# versions of the surrogate keys).
BUDGETS = {
    # With the lead's byline, and the latest articles' for their cards.
    "home": 14,
    # The row, tags, the listing stamp, the counts of public articles per
    # theme and per tag, the newest under each, the related rows and their
    # bylines (for their cards), the article's bylines, the keys' versions,
    # the notes.
    "article": 11,
    "region": 5,
    "theme": 5,
    "author": 5,
    "tag": 5,
    "report": 4,
    "search": 6,
    "search_filters": 6,
    "rss": 7,
    "atom": 7,
    "region_rss": 8,
    "tag_atom": 8,
    "sitemap": 6,
    "sitemap_articles": 2,
    "sitemap_listings": 3,
}
# Once those are in the cache (a page-cache miss on a live site).
WARM_BUDGETS = {
    "home": 7,
    "article": 6,
    "region": 4,
    "theme": 4,
    "author": 4,
    "tag": 4,
    "report": 4,
    "sitemap": 3,
}


def build(n, make_article, make_author, make_region, make_theme, make_report):
    authors = [make_author() for _ in range(n)]
    regions = [make_region() for _ in range(n)]
    themes = [make_theme() for _ in range(n)]
    tags = [f"tag{number}" for number in range(n)]
    articles = [
        make_article(
            f"Zebra number {number}",
            authors=authors,
            regions=regions,
            themes=themes,
            tags=tags,
        )
        for number in range(n)
    ]
    report = make_report(articles=articles)
    article, region = articles[0], regions[0]
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "region": region.get_absolute_url(),
        "theme": themes[0].get_absolute_url(),
        "author": authors[0].get_absolute_url(),
        "tag": "/tags/tag0/",
        "report": report.get_absolute_url(),
        "search": "/search/?q=zebra",
        "search_filters": f"/search/?q=zebra&region={region.slug}&since=2000-01-01",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "region_rss": region.get_absolute_url() + "feed/rss/",
        "tag_atom": "/tags/tag0/feed/atom/",
        "sitemap": "/sitemap.xml",
        "sitemap_articles": "/sitemap-articles.xml",
        "sitemap_listings": "/sitemap-listings.xml",
    }


@pytest.mark.parametrize("n", [1, 20])
def test_query_budget_per_page(
    client,
    django_assert_max_num_queries,
    make_article,
    make_author,
    make_region,
    make_theme,
    make_report,
    n,
):
    urls = build(n, make_article, make_author, make_region, make_theme, make_report)
    for name, url in urls.items():
        with django_assert_max_num_queries(BUDGETS[name]):
            response = client.get(url)
        assert response.status_code == 200, name


@pytest.mark.parametrize("n", [1, 20])
def test_query_budget_per_page_once_the_shared_readings_are_cached(
    client,
    django_assert_max_num_queries,
    make_article,
    make_author,
    make_region,
    make_theme,
    make_report,
    n,
):
    urls = build(n, make_article, make_author, make_region, make_theme, make_report)
    for url in urls.values():
        client.get(url)
    for name, budget in WARM_BUDGETS.items():
        with django_assert_max_num_queries(budget):
            response = client.get(urls[name])
        assert response.status_code == 200, name


def test_the_article_page_runs_three_queries_once_its_readings_are_cached(
    client, django_assert_num_queries, make_article, make_author, make_theme
):
    """The row (with the ids of its regions, themes and reports), its tags and
    its byline: the identity, the notices, the lists of subjects, the newest
    articles under each theme and tag, the related articles' cards and the
    keys' versions come from the shared cache. A note to readers adds the
    fourth; related articles whose cards are not made yet add two."""
    from articles.models import Correction

    theme, author = make_theme(), make_author()
    article = make_article(authors=[author], themes=[theme], tags=["rivers"])
    make_article(authors=[author], themes=[theme], tags=["rivers"])
    make_article(themes=[theme], tags=["rivers"])
    client.get(article.get_absolute_url())  # fills the shared cache
    caches["pages"].clear()  # a page-cache miss
    with django_assert_num_queries(3):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    Correction.objects.create(
        article=article, kind="correction", note="A date.", revision_number=1
    )
    client.get(article.get_absolute_url())  # what the change made stale, again
    caches["pages"].clear()
    with django_assert_num_queries(4):
        response = client.get(article.get_absolute_url())
    assert "A date." in response.text


def test_query_count_does_not_grow(
    client, make_article, make_author, make_region, make_theme, make_report
):
    small = build(1, make_article, make_author, make_region, make_theme, make_report)
    counts = {}
    for name, url in small.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[name] = len(queries)
    large = build(20, make_article, make_author, make_region, make_theme, make_report)
    for name, url in large.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert len(queries) <= counts[name] + 1, (name, counts[name], len(queries))


def test_deep_page_uses_no_offset(client, make_region, make_article):
    region = make_region()
    now = timezone.now()
    for number in range(65):
        make_article(regions=[region], publish_at=now - timedelta(hours=number + 1))
    client.get(region.get_absolute_url())  # boundaries computed and cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(region.get_absolute_url() + "?page=4")
    assert response.status_code == 200
    listing_sql = [q["sql"] for q in queries if "articles_article" in q["sql"]]
    assert listing_sql
    assert not any("OFFSET" in sql.upper() for sql in listing_sql)
