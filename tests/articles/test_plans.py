"""The query plans that keep the pages flat as the archive grows, read back
from the database: EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite.

On a table of a few dozen rows a planner may rightly prefer to read it all, so
on PostgreSQL each plan is asked with sequential scans priced out (after
ANALYZE): what is checked is that an index can serve the query as written (a
row value the index scan starts from, a join on the through table's index).
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.search import SearchResults, search

pytestmark = pytest.mark.django_db


def plan(sql, params=(), *, ordered=True):
    """The plan of ``sql`` (a query as run, its values inlined), as text.

    PostgreSQL's, with sequential scans priced out and, when ``ordered``, sorts
    and bitmap scans too: so an index scan that delivers the rows in order is
    chosen if the query lets one."""
    priced_out = ["seqscan"] + (["bitmapscan", "sort"] if ordered else [])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
            for setting in priced_out:
                cursor.execute(f"SET LOCAL enable_{setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
            for setting in priced_out:
                cursor.execute(f"SET LOCAL enable_{setting} = on")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            lines = [row[-1] for row in cursor.fetchall()]
    return "\n".join(lines)


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def region_listing(make_region, make_article):
    region = make_region()
    now = timezone.now()
    for number in range(65):
        make_article(
            regions=[region],
            tags=["rivers"],
            publish_at=now - timedelta(hours=number + 1),
        )
    return region


def test_a_deep_page_starts_an_index_scan_at_its_boundary(client, region_listing):
    address = region_listing.get_absolute_url()
    client.get(address)  # the boundaries, computed and cached
    [sql] = [
        sql for sql in queries_of(client, f"{address}?page=4") if "LIMIT 20" in sql
    ]
    found = plan(sql)
    if connection.vendor == "postgresql":
        # article_public (status, -publish_at, -id) on a real archive; with
        # every row published the planner may take article_newest instead.
        assert re.search(r"Index Scan using article_(public|newest) ", found), found
        assert "Index Cond" in found and "ROW(publish_at, id) <=" in found, found
        assert "Seq Scan on articles_article " not in found, found
        assert "Sort" not in found, found
    else:
        assert "INDEX article_public (status=? AND publish_at<?)" in found, found
        assert "TEMP B-TREE" not in found, found
        assert "SCAN articles_article" not in found, found


def test_a_tag_page_joins_on_the_through_tables_index(client, region_listing):
    sqls = queries_of(client, "/tags/rivers/")
    [sql] = [sql for sql in sqls if "LIMIT 20" in sql]
    assert "taggit_taggeditem" not in sql and "content_type" not in sql
    found = plan(sql)
    if connection.vendor == "postgresql":
        assert "tagged_article_unique" in found or "tag_articles" in found, found
        assert "::bigint" not in found and "::integer" not in found, found
    else:
        assert (
            "sqlite_autoindex_articles_taggedarticle" in found
            or "INDEX tag_articles" in found
        ), found
        assert "TEMP B-TREE" not in found, found


def test_the_related_articles_are_small_sets_read_by_index(
    client, make_article, make_theme
):
    theme = make_theme()
    articles = [make_article(themes=[theme], tags=["rivers"]) for _ in range(12)]
    sqls = queries_of(client, articles[0].get_absolute_url())
    # The newest under the theme and under the tag, in one query.
    [sql] = [sql for sql in sqls if "LIMIT 5" in sql]
    assert sql.count("LIMIT 5") == 2 and "UNION ALL" in sql
    assert " OR " not in sql
    found = plan(sql)
    if connection.vendor == "postgresql":
        assert "Seq Scan on articles_article " not in found, found
    else:
        assert "SCAN articles_article" not in found, found
    # Another article under both reads the newest of each from the cache.
    sqls = queries_of(client, articles[1].get_absolute_url())
    assert not [sql for sql in sqls if "LIMIT 5" in sql]
    [by_ids] = [sql for sql in sqls if "IN (" in sql and "defer" not in sql][-1:]
    assert "LIMIT" not in by_ids


def test_search_reads_the_full_text_index(make_article):
    for number in range(30):
        make_article(f"Wombat {number}", body="<p>An ordinary wombat.</p>")
    with CaptureQueriesContext(connection) as queries:
        search("wombat")[0:20]
    pool = queries.captured_queries[0]["sql"]
    found = plan(pool)
    if connection.vendor == "postgresql":
        # Down the primary key, the match tested on each row; a rare word's
        # few matches come from the GIN index instead.
        assert "Index Scan Backward using articles_article_pkey" in found, found
        assert "search_vector @@" in found, found
        matches = SearchResults("wombat", Article.objects.all())._pg_matches()
        sql, params = matches.order_by().values("pk").query.sql_with_params()
        assert "article_search_vector" in plan(sql, params, ordered=False)
    else:
        assert "SCAN articles_article_fts VIRTUAL TABLE" in found, found
        assert "TEMP B-TREE" not in found, found
