"""Each public page runs a fixed number of SQL queries, with 1 or 20 of each
related thing; deep listing pages seek instead of scanning an OFFSET."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

BUDGETS = {
    "home": 14,
    "article": 14,
    "region": 9,
    "theme": 9,
    "author": 9,
    "tag": 9,
    "report": 9,
    "search": 10,
    "search_filters": 10,
    "rss": 9,
    "atom": 9,
    "region_rss": 10,
    "tag_atom": 11,
    "sitemap": 12,
    "sitemap_articles": 12,
    "sitemap_listings": 12,
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
