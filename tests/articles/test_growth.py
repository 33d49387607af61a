"""Flat as the archive grows: what the pages keep in the shared cache follows
every change at once, the related articles are the newest of both kinds, and a
search ranks the most recent matches and says "about" when it estimates."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search as search_module
from articles.models import Article
from articles.search import search
from articles.selectors import public_article_counts
from publication import cached
from publication.models import Identity
from regions.models import Region

pytestmark = pytest.mark.django_db


def region_count(client, region):
    response = client.get("/regions/")
    assert response.status_code == 200
    text = response.text.split(f">{region.name}</a>")[1].split("</li>")[0]
    return int(re.sub(r"<[^>]+>", " ", text).split(" article")[0].split()[-1])


# The shared lists: exact invalidation ------------------------------------------


def test_a_renamed_region_theme_or_report_shows_at_once(
    client, make_article, make_region, make_theme, make_report
):
    region, theme = make_region("Sahel"), make_theme("Water")
    article = make_article(regions=[region], themes=[theme])
    report = make_report("Dry years", articles=[article])
    assert "Sahel" in client.get(article.get_absolute_url()).text
    region.name = "Sahel and Sudan"
    region.save()
    theme.name = "Water and rain"
    theme.save()
    report.title = "Dry decades"
    report.save()
    html = client.get(article.get_absolute_url()).text
    assert "Sahel and Sudan" in html
    assert "Water and rain" in html
    assert "In-depth: Dry decades" in html
    theme.delete()
    assert "Water and rain" not in client.get(article.get_absolute_url()).text


def test_the_identity_changes_everywhere_at_once(client, make_article):
    article = make_article()
    assert "Imprint Review" in client.get(article.get_absolute_url()).text
    Identity.objects.update_or_create(pk=1, defaults={"name": "The Quarterly"})
    assert "The Quarterly" in client.get(article.get_absolute_url()).text


def test_a_change_drops_the_entry_again_when_it_commits(
    make_region, django_capture_on_commit_callbacks
):
    """A reader in another process may store the rows between the save and the
    commit: the entry is dropped once more after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        make_region("Sahel")
        cache.set(f"{cached.KEY_PREFIX}regions", ["read before the commit"])
    assert cache.get(f"{cached.KEY_PREFIX}regions") is None


# Cached readings of the listings: exact ------------------------------------------


def test_counts_follow_every_change(client, make_article, make_region):
    region = make_region("Sahel")
    first = make_article(regions=[region])
    assert region_count(client, region) == 1
    second = make_article()
    second.regions.add(region)  # no save of the article
    assert region_count(client, region) == 2
    second.regions.remove(region)
    assert region_count(client, region) == 1
    first.status = Article.Status.DRAFT
    first.save()
    assert region_count(client, region) == 0
    make_article(regions=[region]).delete()
    assert region_count(client, region) == 0


def test_a_scheduled_article_is_counted_when_its_time_comes(
    client, make_article, make_region
):
    region = make_region("Sahel")
    make_article(regions=[region])
    make_article(regions=[region], state="scheduled")
    assert region_count(client, region) == 1
    later = timezone.now() + timedelta(days=2)
    with mock.patch("articles.models.timezone.now", return_value=later):
        # What the first request after its time does (the middleware is held
        # off in tests): the pages it appears on change their validators.
        from editorial.services import announce_due_publications

        announce_due_publications()
        assert region_count(client, region) == 2


def test_page_boundaries_follow_a_change_of_subjects(client, make_article, make_region):
    region = make_region()
    now = timezone.now()
    articles = [
        make_article(regions=[region], publish_at=now - timedelta(hours=n + 1))
        for n in range(21)
    ]
    address = region.get_absolute_url()
    assert client.get(f"{address}?page=2").status_code == 200
    articles[0].regions.remove(region)
    assert client.get(f"{address}?page=2").status_code == 404
    articles[0].regions.add(region)
    assert client.get(f"{address}?page=2").status_code == 200


def test_counts_are_read_from_the_cache_until_something_changes(
    make_article, make_region
):
    region = make_region()
    make_article(regions=[region])
    assert public_article_counts(Region) == {region.pk: 1}
    with CaptureQueriesContext(connection) as queries:
        assert public_article_counts(Region) == {region.pk: 1}
    assert len(queries) == 1  # the listing stamp, not the count


# Deep pages seek with a row value ------------------------------------------------


def test_a_deep_page_seeks_with_one_row_value_tested_first(
    client, make_region, make_article
):
    region = make_region()
    now = timezone.now()
    for number in range(65):
        make_article(regions=[region], publish_at=now - timedelta(hours=number + 1))
    client.get(region.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(region.get_absolute_url() + "?page=4")
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 5
    [page] = [q["sql"] for q in queries if "LIMIT 20" in q["sql"]]
    where = page.split(" WHERE ", 1)[1]
    assert where.lstrip("(").startswith(
        '"articles_article"."publish_at", "articles_article"."id") <= ('
    ), where
    assert " OR " not in where


# Related articles -----------------------------------------------------------------


def test_related_are_the_newest_sharing_a_theme_or_a_tag(
    client, make_article, make_theme
):
    water = make_theme("Water")
    now = timezone.now()

    def made(title, hours, **relations):
        return make_article(title, publish_at=now - timedelta(hours=hours), **relations)

    article = made("The article", 1, themes=[water], tags=["rivers"])
    made("By theme, newest", 2, themes=[water])
    made("By tag, newer", 3, tags=["rivers"])
    made("By both", 4, themes=[water], tags=["rivers"])
    made("By theme, older", 5, themes=[water])
    made("By tag, oldest", 9, tags=["rivers"])
    made("A draft", 2, state="draft", themes=[water], tags=["rivers"])
    made("Unrelated", 2)
    assert related_titles(client, article) == [
        "By theme, newest",
        "By tag, newer",
        "By both",
        "By theme, older",
    ]


def test_an_article_with_only_tags_or_nothing_to_share(client, make_article):
    lone = make_article("Lone")
    tagged = make_article("Tagged", tags=["rivers"])
    make_article("Also tagged", tags=["rivers"])
    assert related_titles(client, lone) == []
    assert 'id="related-heading"' not in client.get(lone.get_absolute_url()).text
    assert related_titles(client, tagged) == ["Also tagged"]


def related_titles(client, article):
    """The titles readers see under "Related articles" (from the page cache
    or made again)."""
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    section = response.text.split('id="related-heading"', 1)
    if len(section) == 1:
        return []
    section = section[1].split("</section>", 1)[0]
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', section)


def test_related_follow_every_change_to_the_articles_they_pick_from(
    client, make_article, make_theme
):
    """The newest under each theme and tag are kept per version of its key:
    each change to the articles under it shows on the next page."""
    from editorial.services import announce_due_publications

    water = make_theme("Water")
    now = timezone.now()
    article = make_article("The article", themes=[water], publish_at=now)
    older = make_article("Older", themes=[water], publish_at=now - timedelta(days=1))
    assert related_titles(client, article) == ["Older"]
    newer = make_article("Newer", themes=[water], publish_at=now - timedelta(hours=1))
    assert related_titles(client, article) == ["Newer", "Older"]
    newer.title = "Newer retitled"
    newer.save()
    assert related_titles(client, article) == ["Newer retitled", "Older"]
    newer.status = Article.Status.DRAFT
    newer.save()
    assert related_titles(client, article) == ["Older"]
    older.themes.remove(water)
    assert related_titles(client, article) == []
    older.themes.add(water)
    assert related_titles(client, article) == ["Older"]
    make_article("Due", themes=[water], publish_at=now + timedelta(days=1))
    assert related_titles(client, article) == ["Older"]
    later = now + timedelta(days=2)
    with mock.patch("articles.models.timezone.now", return_value=later):
        announce_due_publications()
        assert related_titles(client, article) == ["Due", "Older"]
    older.delete()
    with mock.patch("articles.models.timezone.now", return_value=later):
        assert related_titles(client, article) == ["Due"]


def test_a_tag_gathers_the_few_sharing_it_and_a_common_one_walks_the_index(
    client, make_article, monkeypatch
):
    from articles import selectors

    article = make_article("The article", tags=["rivers"])
    make_article("Also tagged", tags=["rivers"])
    for few_sharing, test in ((1000, "IN (SELECT"), (0, "EXISTS(")):
        for each in caches.all():
            each.clear()
        monkeypatch.setattr(selectors, "FEW_SHARING", few_sharing)
        with CaptureQueriesContext(connection) as queries:
            assert related_titles(client, article) == ["Also tagged"]
        [newest] = [q["sql"] for q in queries if "LIMIT 5" in q["sql"]]
        assert test in newest, newest


# Search ---------------------------------------------------------------------------


@pytest.fixture
def few_ranked(monkeypatch):
    monkeypatch.setattr(search_module, "RANKED", 3)


def test_beyond_the_ranked_matches_the_rest_follow_each_once(make_article, few_ranked):
    for number in range(7):
        make_article(f"Wombat {number}")
    make_article("Draft wombat", state="draft")
    results = search("wombat")
    assert results.is_estimate
    pages = [results[0:2], results[2:5], results[5:10]]
    titles = [article.title for page in pages for article in page]
    assert sorted(titles) == [f"Wombat {number}" for number in range(7)]
    # The ranked ones are the most recently added; the rest follow newest first.
    assert {article.title for article in results[0:3]} == {
        "Wombat 6",
        "Wombat 5",
        "Wombat 4",
    }
    assert [article.title for article in results[3:7]] == [
        "Wombat 3",
        "Wombat 2",
        "Wombat 1",
        "Wombat 0",
    ]


def test_the_page_says_about_when_it_estimates(client, make_article, few_ranked):
    for number in range(7):
        make_article(f"Wombat {number}")
    response = client.get("/search/?q=wombat")
    assert response.status_code == 200
    assert "About " in response.text.split('id="results-heading"')[1][:80]
    # However low the estimate, the page shows every match it has room for.
    assert response.text.count('<article class="card') == 7
    exact = client.get("/search/?q=wombat+0")
    assert "1 result<" in exact.text


def test_only_the_page_shown_is_highlighted(make_article, few_ranked, monkeypatch):
    for number in range(7):
        make_article(f"Wombat {number}", body=f"<p>The wombat {number} digs.</p>")
    highlighted = []
    original = search_module.highlight

    def counted(raw, fallback=""):
        highlighted.append(raw)
        return original(raw, fallback)

    monkeypatch.setattr(search_module, "highlight", counted)
    page = search("wombat")[2:4]
    assert len(highlighted) == 2
    assert all("<mark>wombat</mark>" in article.search_snippet for article in page)


def test_the_search_forms_authors_follow_every_change(
    client, make_article, make_author
):
    author = make_author("Ada Draft")

    def choices():
        html = client.get("/search/").text
        select = html.split('name="author"', 1)[1].split("</select>", 1)[0]
        return re.findall(r"<option[^>]*>([^<]+)</option>", select)[1:]

    article = make_article(authors=[author], state="draft")
    assert choices() == []
    article.status = Article.Status.PUBLISHED
    article.save()
    assert choices() == ["Ada Draft"]
    author.name = "Ada Public"
    author.save()
    assert choices() == ["Ada Public"]
    article.status = Article.Status.DRAFT
    article.save()
    assert choices() == []


def test_related_by_tag_follow_tags_added_and_removed(client, make_article):
    now = timezone.now()
    article = make_article("The article", tags=["rivers"], publish_at=now)
    other = make_article("Other", publish_at=now - timedelta(hours=1))
    assert related_titles(client, article) == []
    other.tags.add("rivers")
    assert related_titles(client, article) == ["Other"]
    other.tags.remove("rivers")
    assert related_titles(client, article) == []
    other.tags.set(["rivers", "lakes"])
    assert related_titles(client, article) == ["Other"]
    other.tags.clear()
    assert related_titles(client, article) == []


def related_bylines(client, article):
    response = client.get(article.get_absolute_url())
    section = response.text.split('id="related-heading"', 1)[1]
    return re.findall(r'rel="author">([^<]+)</a>', section.split("</section>", 1)[0])


def test_related_cards_follow_their_authors(
    client, make_article, make_author, make_theme
):
    """The cards are kept rendered, with the version of ``listings``: an
    author renamed, or another author added, shows on every page at once."""
    water, ann = make_theme("Water"), make_author("Ann")
    now = timezone.now()
    first = make_article("First", themes=[water], publish_at=now)
    second = make_article("Second", themes=[water], publish_at=now)
    other = make_article(
        "Other", themes=[water], authors=[ann], publish_at=now - timedelta(days=1)
    )
    assert related_bylines(client, first) == ["Ann"]
    assert related_bylines(client, second) == ["Ann"]  # the same card
    ann.name = "Ann Lee"
    ann.save()
    assert related_bylines(client, first) == ["Ann Lee"]
    assert related_bylines(client, second) == ["Ann Lee"]
    other.authors.add(make_author("Bo"))
    assert related_bylines(client, first) == ["Ann Lee", "Bo"]


def test_a_related_card_is_made_once_for_every_page(
    client, make_article, make_theme, django_assert_max_num_queries
):
    from django.core.cache import caches

    water = make_theme("Water")
    now = timezone.now()
    pages = [
        make_article(f"Page {n}", themes=[water], publish_at=now - timedelta(hours=n))
        for n in range(3)
    ]
    make_article("Shared", themes=[water], publish_at=now - timedelta(days=1))
    client.get(pages[0].get_absolute_url())
    client.get(pages[1].get_absolute_url())
    caches["pages"].clear()
    # Every card this page shows was made for the two before it.
    with django_assert_max_num_queries(3):
        assert "Shared" in related_titles(client, pages[2])
