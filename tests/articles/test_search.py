from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from articles.search import (
    SearchResults,
    clean_query,
    fts5_expression,
    parse_websearch,
    search,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor(db):
    return connection.vendor


def titles(results):
    return [article.title for article in results[:50]]


def test_title_match_ranks_above_body_match(make_article):
    make_article("Weather report", body="<p>Nothing about rivers. Monsoon.</p>")
    make_article("Monsoon arrives early", body="<p>Rain everywhere.</p>")
    make_article("Unrelated", body="<p>Cats and dogs.</p>")
    found = titles(search("monsoon"))
    assert found == ["Monsoon arrives early", "Weather report"]


def test_standfirst_ranks_between_title_and_body(make_article):
    make_article("Body", body="<p>glacier</p>", standfirst="Ice.")
    make_article("Standfirst", standfirst="A glacier melts.")
    make_article("Glacier", standfirst="Ice.")
    assert titles(search("glacier")) == ["Glacier", "Standfirst", "Body"]


def test_only_published_articles_are_found(make_article):
    make_article("Zebra published")
    for state in ("draft", "review", "scheduled", "unpublished"):
        make_article(f"Zebra {state}", state=state)
    assert titles(search("zebra")) == ["Zebra published"]


def test_edits_and_deletes_update_the_index(make_article):
    article = make_article("Old heading")
    article.title = "New heading quokka"
    article.body = "<p>Fresh text.</p>"
    article.standfirst = "Fresh."
    article.save()
    assert titles(search("quokka")) == ["New heading quokka"]
    assert titles(search("old")) == []
    article.delete()
    assert titles(search("quokka")) == []


def test_websearch_syntax_phrase_exclusion_or(make_article):
    make_article("Red river delta", body="<p>x</p>")
    make_article("River red", body="<p>x</p>")
    make_article("Blue lake", body="<p>x</p>")
    assert titles(search('"red river"')) == ["Red river delta"]
    assert titles(search("river -delta")) == ["River red"]
    assert sorted(titles(search("delta or lake"))) == ["Blue lake", "Red river delta"]


def test_snippet_highlights_matches_and_is_safe(make_article):
    make_article(
        "Report",
        body="<p>The <em>wombat</em> &lt;script&gt; digs burrows near the river.</p>",
    )
    [article] = search("burrows")[:10]
    assert "<mark>burrows</mark>" in article.search_snippet
    assert "<script>" not in article.search_snippet
    assert "<em>" not in article.search_snippet


def test_filters_region_theme_author_dates(
    make_article, make_author, make_region, make_theme
):
    ann, region, theme = make_author(), make_region(), make_theme()
    now = timezone.now()
    make_article("Koala one", authors=[ann], regions=[region], themes=[theme])
    make_article("Koala two", publish_at=now - timedelta(days=40))
    assert titles(search("koala", region=region)) == ["Koala one"]
    assert titles(search("koala", theme=theme)) == ["Koala one"]
    assert titles(search("koala", author=ann)) == ["Koala one"]
    since = (now - timedelta(days=10)).date()
    assert titles(search("koala", since=since)) == ["Koala one"]
    until = (now - timedelta(days=30)).date()
    assert titles(search("koala", until=until)) == ["Koala two"]


def test_search_page_shows_results_with_filters(client, make_article, make_region):
    region = make_region("Asia")
    make_article("Typhoon season", regions=[region])
    make_article("Typhoon elsewhere")
    response = client.get(f"/search/?q=typhoon&region={region.slug}")
    assert response.status_code == 200
    assert "1 result" in response.text
    assert "Typhoon season" in response.text
    assert "Typhoon elsewhere" not in response.text
    filtered = client.get(f"/search/?region={region.slug}")
    assert "Typhoon season" in filtered.text


HOSTILE = [
    "",
    " ",
    '"unbalanced',
    'a "b',
    "x" * 5000,
    "NEAR(a b)",
    "a*",
    "^start",
    "title:foo",
    "a AND OR NOT b",
    "'; DROP TABLE articles_article; --",
    "\x00null\x00",
    "-",
    "--",
    '"" ""',
    "or",
    "(((",
    ")",
    "{col}: x",
    "-only -negatives",
    "ünïcödé 漢字",
    "<script>alert(1)</script>",
    "%",
    "\\",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_normal_page(client, make_article, query):
    make_article("Anything at all")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.text


@pytest.mark.parametrize(
    "params",
    [
        {"since": "not-a-date"},
        {"until": "99999-01-01"},
        {"region": "nowhere"},
        {"author": "'"},
        {"theme": "\x00"},
        {"page": "abc", "q": ""},
    ],
)
def test_bad_filters_are_ignored(client, make_article, params):
    make_article("Anything")
    response = client.get("/search/", {"q": "anything", **params})
    assert response.status_code == 200


def test_query_is_capped():
    assert len(clean_query("word " * 100)) <= 200
    assert "\x00" not in clean_query("a\x00b")


def test_fts5_translation_quotes_every_term():
    assert fts5_expression('"red river" or lake -delta') == (
        '(("red river" OR "lake")) NOT "delta"'
    )
    assert fts5_expression("NEAR(a b)") == '"NEAR a" AND "b"'
    assert fts5_expression("a*") == '"a"'
    assert fts5_expression("-x") is None
    assert fts5_expression("") is None
    assert parse_websearch("a or b") == [("and", ("a",)), ("or", ("b",))]


def test_sqlite_fts5_table_exists(vendor):
    if vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = 'articles_article_fts'"
        )
        assert cursor.fetchone()


def test_sqlite_triggers_recreated_after_table_rebuild(vendor, make_article):
    if vendor != "sqlite":
        pytest.skip("SQLite only")
    from articles.search import ensure_sqlite_fts

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_article_fts_insert")
    make_article("Missed platypus")
    ensure_sqlite_fts()
    assert titles(search("platypus")) == ["Missed platypus"]


def test_postgresql_search_uses_gin_index(vendor, make_article):
    if vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for number in range(30):
        make_article(f"Article {number}", body="<p>ordinary words</p>")
    # The match itself (unordered, as the count asks it): published() may pick
    # article_public, and the default ordering article_newest, on a tiny table.
    queryset = SearchResults("ordinary", Article.objects.all())._pg_matches().order_by()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("SET enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "article_search_vector" in plan, plan


def result_cards_text(client, words):
    page = client.get("/search/", {"q": words}).text
    return page.split('id="results-heading"', 1)[1].split("</section>", 1)[0]


def test_result_cards_are_shared_by_searches_but_not_their_snippets(
    client, make_article, make_author
):
    ann = make_author("Ann")
    article = make_article(
        "Burrows",
        standfirst="Where they live.",
        body="<p>Wombats dig burrows under the eucalyptus.</p>",
        authors=[ann],
    )
    first = result_cards_text(client, "wombats")
    assert "<mark>Wombats</mark>" in first
    other = result_cards_text(client, "eucalyptus")
    assert "<mark>eucalyptus</mark>" in other
    assert "<mark>Wombats</mark>" not in other
    # What the cards show follows the article and its authors.
    ann.name = "Ann Lee"
    ann.save()
    article.standfirst = "Where wombats live."
    article.save()
    again = result_cards_text(client, "wombats")
    assert "Ann Lee" in again
    assert "Where wombats live." in again
    assert "<mark>Wombats</mark>" in again


def test_a_snippet_goes_where_the_card_keeps_its_place():
    from articles.cards import SNIPPET_MARK, Card

    card = Card(pk=1, text=f"<article>{SNIPPET_MARK}</article>", keys=frozenset())
    assert card.with_snippet("") == "<article></article>"
    assert card.with_snippet("a <b> c") == (
        '<article><p class="snippet">a &lt;b&gt; c</p></article>'
    )
    plain = Card(pk=1, text="<article></article>", keys=frozenset())
    assert plain.with_snippet("ignored") == "<article></article>"
