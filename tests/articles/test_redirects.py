"""Addresses that never die: a changed slug leaves a one-hop 301 from every old
address (page and feeds) to the current one, without leaking drafts."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from articles import services as article_services
from articles.admin import TagForm
from articles.models import Article
from editorial import services as editorial_services
from editorial.admin import ArticleForm
from editorial.state import state_of
from publication.models import FormerSlug
from regions.models import Region

pytestmark = pytest.mark.django_db

SUBJECT_SUFFIXES = ["", "feed/rss/", "feed/atom/"]
PREFIXES = {
    "region": "regions",
    "theme": "themes",
    "report": "reports",
    "author": "authors",
    "tag": "tags",
}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def make_subject(make_article, make_author, make_region, make_theme, make_report):
    """A region, theme, report, author or tag with slug ``a`` and one public
    article filed under it (reports, authors and tags need one to exist)."""

    def make(kind):
        if kind == "region":
            subject = make_region("Sahel", slug="a")
            make_article(regions=[subject])
        elif kind == "theme":
            subject = make_theme("Water", slug="a")
            make_article(themes=[subject])
        elif kind == "author":
            subject = make_author("Ann Lee", slug="a")
            make_article(authors=[subject])
        elif kind == "report":
            subject = make_report("Rivers", articles=[make_article()], slug="a")
        else:
            make_article(tags=["a"])
            subject = Tag.objects.get(slug="a")
        return subject

    return make


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user(
        "pat", "pat@example.org", "a-long-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Publisher"))
    return user


def subject_path(kind, slug, suffix=""):
    return f"/{PREFIXES[kind]}/{slug}/{suffix}"


def assert_moved(client, old, new):
    """One 301 from ``old`` straight to ``new``, which answers 200."""
    response = client.get(old)
    assert response.status_code == 301, (old, response.status_code)
    assert response["Location"] == new
    assert "public" in response["Cache-Control"]
    current = client.get(new)
    assert current.status_code == 200, (new, current.status_code)


def rename(obj, slug):
    obj.slug = slug
    obj.save()


@pytest.mark.parametrize("kind", list(PREFIXES))
def test_every_old_subject_address_moves_in_one_hop(client, make_subject, kind):
    subject = make_subject(kind)
    rename(subject, "b")
    rename(subject, "c")
    for old in ("a", "b"):
        for suffix in SUBJECT_SUFFIXES:
            assert_moved(
                client, subject_path(kind, old, suffix), subject_path(kind, "c", suffix)
            )
    assert client.get(subject_path(kind, "zzz")).status_code == 404


def test_every_old_article_address_moves_in_one_hop(client, make_article):
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "c")
    for old in ("a", "b"):
        assert_moved(client, f"/articles/{old}/", "/articles/c/")


def test_article_renamed_through_the_publish_path(client, make_article, publisher):
    """A live article's slug changes when a publisher publishes a draft with a
    new one (editorial.state.apply_state writes it onto the row)."""
    article = make_article("Live", slug="a")
    for slug in ("b", "c"):
        state = state_of(article)
        state["slug"] = slug
        editorial_services.save(article, user=publisher, state=state)
        article.refresh_from_db()
        assert article.slug != slug  # readers still see the live version
        editorial_services.publish(article, user=publisher)
        article.refresh_from_db()
        assert article.slug == slug
    for old in ("a", "b"):
        assert_moved(client, f"/articles/{old}/", "/articles/c/")


def test_the_query_string_is_kept(client, make_subject, make_article):
    region = make_subject("region")
    rename(region, "b")
    response = client.get("/regions/a/", {"page": "2", "utm_source": "x y"})
    assert response.status_code == 301
    assert response["Location"] == "/regions/b/?page=2&utm_source=x+y"
    article = make_article(slug="old")
    rename(article, "new")
    response = client.get("/articles/old/?ref=mail")
    assert response["Location"] == "/articles/new/?ref=mail"


def test_a_revalidating_feed_reader_gets_the_move_not_a_304(client, make_subject):
    """A region's rename changes no article, so the feed's validators stay the
    same: the old address must still answer 301, not 304."""
    region = make_subject("region")
    first = client.get("/regions/a/feed/rss/")
    assert first.status_code == 200
    rename(region, "b")
    response = client.get(
        "/regions/a/feed/rss/",
        HTTP_IF_NONE_MATCH=first["ETag"],
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )
    assert response.status_code == 301
    assert response["Location"] == "/regions/b/feed/rss/"
    # The current address still revalidates as before.
    current = client.get("/regions/b/feed/rss/")
    again = client.get("/regions/b/feed/rss/", HTTP_IF_NONE_MATCH=current["ETag"])
    assert again.status_code == 304


def test_a_slug_that_becomes_current_again_stops_redirecting(client, make_article):
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "a")
    assert client.get("/articles/a/").status_code == 200
    assert_moved(client, "/articles/b/", "/articles/a/")
    assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["b"]


def test_former_address_of_an_unpublished_article_is_a_plain_404(
    make_article, staff_client
):
    client = Client()
    article = make_article(slug="a")
    rename(article, "b")
    article_services.unpublish(article)
    gone = client.get("/articles/a/")
    missing = client.get("/articles/z/")
    assert gone.status_code == missing.status_code == 404
    assert gone.content.replace(b"/articles/a/", b"/articles/z/") == missing.content
    assert dict(gone.headers) == dict(missing.headers)
    assert client.get("/articles/b/").status_code == 404
    # An editor previewing drafts follows the old address to the draft.
    assert staff_client.get("/articles/a/")["Location"] == "/articles/b/"


def test_former_address_of_a_tag_only_drafts_carry_is_a_404(client, make_article):
    article = make_article(tags=["a"])
    tag = Tag.objects.get(slug="a")
    rename(tag, "b")
    assert client.get("/tags/a/").status_code == 301
    article_services.unpublish(article)
    for suffix in SUBJECT_SUFFIXES:
        assert client.get(f"/tags/a/{suffix}").status_code == 404


def test_former_address_of_an_author_without_public_work_is_a_404(client, make_subject):
    author = make_subject("author")
    rename(author, "b")
    for article in author.articles.all():
        article_services.unpublish(article)
    assert client.get("/authors/a/").status_code == 404


def test_a_deleted_objects_old_addresses_are_404_and_free(client, make_subject):
    region = make_subject("region")
    rename(region, "b")
    region.delete()
    assert client.get("/regions/a/").status_code == 404
    assert not FormerSlug.objects.exists()


# Reuse -----------------------------------------------------------------------

MESSAGE = "This address used to belong to “{}” and now redirects there; choose another."


@pytest.mark.parametrize("kind", ["region", "theme", "report", "author"])
def test_another_subject_may_not_take_a_former_slug(
    make_subject, make_region, make_theme, make_report, make_author, kind
):
    subject = make_subject(kind)
    rename(subject, "b")
    other = {
        "region": make_region,
        "theme": make_theme,
        "report": make_report,
        "author": make_author,
    }[kind]()
    other.slug = "a"
    with pytest.raises(ValidationError) as refused:
        other.full_clean()
    assert refused.value.message_dict["slug"] == [MESSAGE.format(subject)]
    # The object itself may go back to it.
    subject.slug = "a"
    subject.full_clean()


def test_another_article_may_not_take_a_former_slug(make_article):
    article = make_article("The old one", slug="a")
    rename(article, "b")
    form = ArticleForm(data={"title": "Another", "slug": "a"}, instance=Article())
    assert not form.is_valid()
    assert form.errors["slug"] == [MESSAGE.format("The old one")]


def test_the_region_admin_refuses_a_former_slug(make_subject, admin_client):
    region = make_subject("region")
    rename(region, "b")
    response = admin_client.post(
        reverse("admin:regions_region_add"),
        {"name": "Elsewhere", "slug": "a", "description": "", "position": "0"},
    )
    assert response.status_code == 200
    assert MESSAGE.format("Sahel") in response.text.replace("&#x27;", "'")


def test_the_tag_admin_refuses_a_former_slug(make_article):
    make_article(tags=["Rivers"])
    tag = Tag.objects.get(name="Rivers")
    rename(tag, "waterways")
    other = Tag.objects.create(name="Lakes")
    form = TagForm(data={"name": "Lakes", "slug": "rivers"}, instance=other)
    assert not form.is_valid()
    assert form.errors["slug"] == [MESSAGE.format("Rivers")]


def test_a_new_tag_named_like_a_former_slug_takes_a_suffixed_slug(client, make_article):
    """Taggit makes a tag's slug from its name; the redirect keeps its slug
    and the new tag gets taggit's usual suffix for a collision."""
    make_article(tags=["Rivers"])
    tag = Tag.objects.get(name="Rivers")
    tag.name = "Waterways"
    rename(tag, "waterways")
    make_article(tags=["Rivers"])
    new = Tag.objects.get(name="Rivers")
    assert new.slug == "rivers_1"
    assert_moved(client, "/tags/rivers/", "/tags/waterways/")
    assert client.get("/tags/rivers_1/").status_code == 200


def test_a_save_without_validation_wins_over_the_redirect(client, make_subject):
    """The shell or an importer may save a slug that redirects: the current
    slug is served and the redirect is dropped."""
    first = make_subject("region")
    rename(first, "b")
    Region.objects.create(name="Elsewhere", slug="a")
    assert client.get("/regions/a/").status_code == 200
    assert not FormerSlug.objects.filter(slug="a").exists()


# Sitemaps and feeds -----------------------------------------------------------


def test_sitemaps_list_only_current_addresses(client, make_subject, make_article):
    region = make_subject("region")
    article = make_article(slug="old-article")
    rename(region, "new-region")
    rename(article, "new-article")
    text = "".join(
        client.get(f"/sitemap-{section}.xml").text
        for section in ("articles", "listings")
    )
    assert "/articles/new-article/" in text
    assert "/regions/new-region/" in text
    assert "/articles/old-article/" not in text
    assert "/regions/a/" not in text


def rss_items(client, path):
    root = ET.fromstring(client.get(path).content)
    return {
        item.findtext("title"): (item.find("guid"), item.findtext("link"))
        for item in root.iter("item")
    }


def atom_ids(client, path):
    root = ET.fromstring(client.get(path).content)
    return {
        entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}id")
        for entry in root.iter(f"{ATOM}entry")
    }


def test_feed_ids_survive_a_slug_change(client, settings, make_article, make_region):
    settings.SITE_URL = "https://review.example.org"
    region = make_region("Sahel", slug="sahel")
    article = make_article("Dams", slug="dams-old", regions=[region])
    feeds = ["/feeds/rss/", "/regions/sahel/feed/rss/"]
    before = {path: rss_items(client, path)["Dams"] for path in feeds}
    atom_before = atom_ids(client, "/feeds/atom/")["Dams"]
    rename(article, "dams-new")
    for path in feeds:
        guid, link = rss_items(client, path)["Dams"]
        old_guid, old_link = before[path]
        assert guid.text == old_guid.text
        assert guid.get("isPermaLink") == "false"
        assert "/articles/dams-old/" in old_link
        assert link == "http://testserver/articles/dams-new/"
    day = article.created_at.date().isoformat()
    expected = f"tag:review.example.org,{day}:article:{article.pk}"
    assert before[feeds[0]][0].text == expected
    assert atom_ids(client, "/feeds/atom/")["Dams"] == atom_before == expected
    assert "dams" not in expected
