"""Every change reaches readers at once: each editor action × each public
surface. A reader holding the validators of every page (and a page cache
holding a copy of each) asks again after the action: a page showing what
changed answers 200 (or 404) and is made afresh; a page showing nothing that
changed answers 304, and its copy still serves."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction
from editorial import due, services
from publication.models import Identity, NoticeVersion
from tests.factories_images import make_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")

# The live article's own pages, the pages of its subjects, and every page
# listing articles site-wide.
ARTICLE = {"article", "cite"}
SUBJECTS = {"region", "region_feed", "theme", "author", "tag", "report"}
LISTINGS = {
    "home",
    "rss",
    "atom",
    "sitemap",
    "sitemap_articles",
    "sitemap_listings",
    "regions",
    "authors",
    "search",
    "corrections",
    "api",
}
EVERYTHING_OF_IT = ARTICLE | SUBJECTS | LISTINGS


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report, make_user):
    ann = make_author("Ann Lee", slug="ann-lee")
    bo = make_author("Bo Chen", slug="bo-chen")  # only on unpublished work
    asia = make_region("Asia", slug="asia")
    water = make_theme("Water", slug="water")
    live = make_article(
        "The walrus survey",
        slug="walrus",
        authors=[ann],
        regions=[asia],
        themes=[water],
        tags=["rivers"],
    )
    report = make_report("The Arctic dossier", slug="arctic", articles=[live])
    # Filed where the live article is, by someone else: a draft, and one
    # scheduled for tomorrow.
    fresh = make_article(
        "A narwhal count",
        slug="narwhal",
        state="draft",
        authors=[bo],
        regions=[asia],
        themes=[water],
        tags=["rivers"],
    )
    soon = make_article(
        "A beluga count",
        slug="beluga",
        state="scheduled",
        authors=[bo],
        regions=[asia],
        themes=[water],
        tags=["rivers"],
    )
    # Shares nothing with the others.
    elsewhere = make_article(
        "Embers of the steppe",
        slug="embers",
        authors=[make_author("Cy Dunn", slug="cy-dunn")],
        regions=[make_region("Europe", slug="europe")],
        themes=[make_theme("Fire", slug="fire")],
        tags=["steppe"],
    )
    return {
        "live": live,
        "fresh": fresh,
        "soon": soon,
        "elsewhere": elsewhere,
        "ann": ann,
        "asia": asia,
        "water": water,
        "report": report,
        "editor": make_user("edna", "Editor"),
        "publisher": make_user("pat", "Publisher"),
    }


SURFACES = {
    "article": "/articles/walrus/",
    "cite": "/articles/walrus/cite.bib",
    "region": "/regions/asia/",
    "region_feed": "/regions/asia/feed/rss/",
    "theme": "/themes/water/",
    "author": "/authors/ann-lee/",
    "tag": "/tags/rivers/",
    "report": "/reports/arctic/",
    "home": "/",
    "rss": "/feeds/rss/",
    "atom": "/feeds/atom/",
    "sitemap": "/sitemap.xml",
    "sitemap_articles": "/sitemap-articles.xml",
    "sitemap_listings": "/sitemap-listings.xml",
    "regions": "/regions/",
    "authors": "/authors/",
    "search": "/search/?q=survey",
    "corrections": "/corrections/",
    "api": "/api/v1/articles/",
    # Showing nothing of the live article (or of the others).
    "other_article": "/articles/embers/",
    "other_region": "/regions/europe/",
    "other_theme": "/themes/fire/",
    "other_author": "/authors/cy-dunn/",
    "other_tag": "/tags/steppe/",
    "disclaimer": "/disclaimer/",
    "policy": "/reprints/",
    "robots": "/robots.txt",
}
HTML_AND_FEEDS = set(SURFACES) - {
    "sitemap",
    "sitemap_articles",
    "sitemap_listings",
    "robots",
}


# The editors' actions: each does its thing as the editors would ---------------------


def login(world, name):
    client = Client()
    client.force_login(world[name])
    return client


def desk_save(world, edit_article, article, **changes):
    response = edit_article(login(world, "editor"), article, changes)
    assert response.status_code == 302


def desk_publish(world, edit_article, article):
    response = edit_article(
        login(world, "publisher"), article, action="publish", change_kind="silent"
    )
    assert response.status_code == 302


def bulk(world, action, article):
    response = login(world, "publisher").post(
        CHANGELIST, {"action": action, "_selected_action": [article.pk]}
    )
    assert response.status_code == 302


def draft_save(world, edit_article, clock):
    desk_save(world, edit_article, world["live"], title="A walrus census")


def draft_publish(world, edit_article, clock):
    desk_save(world, edit_article, world["live"], title="A walrus census")
    desk_publish(world, edit_article, world["live"])


def draft_of_unpublished_article(world, edit_article, clock):
    desk_save(world, edit_article, world["fresh"], title="A narwhal census")


def bulk_publish(world, edit_article, clock):
    bulk(world, "publish", world["fresh"])


def bulk_unpublish(world, edit_article, clock):
    bulk(world, "unpublish", world["live"])


def bulk_repin(world, edit_article, clock):
    NoticeVersion.objects.filter(kind="disclaimer").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    bulk(world, "repin_notices", world["live"])


def delete(world, edit_article, clock):
    url = reverse("admin:articles_article_delete", args=[world["live"].pk])
    assert login(world, "publisher").post(url, {"post": "yes"}).status_code == 302


def restore(world, edit_article, clock):
    desk_save(world, edit_article, world["live"], title="A walrus census")
    url = reverse("admin:articles_article_restore", args=[world["live"].pk, 1])
    assert login(world, "editor").post(url).status_code == 302


def restore_and_publish(world, edit_article, clock):
    restore(world, edit_article, clock)
    desk_publish(world, edit_article, world["live"])


def scheduled_article_comes_due(world, edit_article, clock):
    clock.move(days=2)
    due.forget()  # this process looks at its next request


def scheduled_change_comes_due(world, edit_article, clock):
    live = world["live"]
    desk_save(world, edit_article, live, title="A walrus census")
    services.schedule(
        live, user=world["publisher"], when=timezone.now() + timedelta(hours=1)
    )
    clock.move(hours=2)
    due.forget()


def notice_change(world, edit_article, clock):
    NoticeVersion.objects.create(kind="disclaimer", body="<p>Views are ours.</p>")


def identity_change(world, edit_article, clock):
    identity = Identity.get_solo()
    identity.name = "The Polar Review"
    identity.save()


def rename(name, field="name", value="Renamed"):
    def action(world, edit_article, clock):
        subject = world[name]
        setattr(subject, field, value)
        subject.save()

    action.__name__ = f"{name}_renamed"
    return action


def tag_renamed(world, edit_article, clock):
    tag = world["live"].tags.get()
    tag.name = "Rivers and deltas"
    tag.save()


def author_photo(world, edit_article, clock):
    world["ann"].photo.save("ann.jpg", make_upload("ann.jpg"))


def image_change(world, edit_article, clock):
    live = world["live"]
    live.image_alt = "A walrus on the ice."
    live.image_credit = "Photo: R. Ice"
    live.featured_image.save("walrus.jpg", make_upload("walrus.jpg"))


def shell_save(world, edit_article, clock):
    live = Article.objects.get(pk=world["live"].pk)
    live.standfirst = "Fewer walruses than ever."
    live.save()


def shell_author_added(world, edit_article, clock):
    # Authorship rows made by the relation's add(): no post_save for them.
    world["live"].authors.add(world["fresh"].authors.get())


def correction_added(world, edit_article, clock):
    Correction.objects.create(
        article=world["live"],
        kind="correction",
        note="The colony is on the east shore.",
        revision_number=1,
    )


SUBJECT_PAGES_WITH_ANN = {"article", "cite", *SUBJECTS}
ACTIONS = [
    # (action, the surfaces that show what it changed)
    (draft_save, set()),
    (draft_publish, EVERYTHING_OF_IT),
    (draft_of_unpublished_article, set()),
    # The narwhal article joins the live one's region, theme and tag (and
    # its related articles), by another author.
    (bulk_publish, {"article", "region", "region_feed", "theme", "tag"} | LISTINGS),
    (bulk_unpublish, EVERYTHING_OF_IT),
    (bulk_repin, EVERYTHING_OF_IT),
    (delete, EVERYTHING_OF_IT),
    (restore, set()),
    (restore_and_publish, EVERYTHING_OF_IT),
    (
        scheduled_article_comes_due,
        {"article", "region", "region_feed", "theme", "tag"} | LISTINGS,
    ),
    (scheduled_change_comes_due, EVERYTHING_OF_IT),
    (
        notice_change,
        {"article", "cite", "other_article", "disclaimer", "policy", "api"},
    ),
    (identity_change, HTML_AND_FEEDS),
    (rename("ann"), SUBJECT_PAGES_WITH_ANN | LISTINGS),
    (author_photo, SUBJECT_PAGES_WITH_ANN | LISTINGS),
    # A card shows its authors, not its regions or themes; a feed's items
    # name them all.
    (rename("asia"), {"article", "region", "region_feed"} | LISTINGS),
    (rename("water"), {"article", "theme", "region_feed"} | LISTINGS),
    (rename("report", field="title"), {"article", "report"} | LISTINGS),
    (tag_renamed, {"article", "tag", "region_feed"} | LISTINGS),
    (image_change, EVERYTHING_OF_IT),
    (shell_save, EVERYTHING_OF_IT),
    (shell_author_added, EVERYTHING_OF_IT),
    (correction_added, EVERYTHING_OF_IT),
]


class Clock:
    def __init__(self, monkeypatch):
        self.offset = timedelta()
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def move(self, **delta):
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def revalidate(reader, url, validators):
    return reader.get(url, HTTP_IF_NONE_MATCH=validators[url])


@pytest.mark.parametrize(
    "action, changed", ACTIONS, ids=[action.__name__ for action, _ in ACTIONS]
)
def test_each_action_reaches_exactly_the_surfaces_that_show_it(
    world, clock, edit_article, action, changed
):
    NoticeVersion.objects.create(kind="disclaimer", body="<p>Our disclaimer.</p>")
    reader = Client()
    validators = {}
    for name, url in SURFACES.items():
        first = reader.get(url)
        assert first.status_code == 200, (name, first.status_code)
        validators[url] = first["ETag"]
        assert revalidate(reader, url, validators).status_code == 304, name
        if name != "api":
            assert reader.get(url)["X-Cache"] == "hit", name

    action(world, edit_article, clock)

    for name, url in SURFACES.items():
        response = revalidate(reader, url, validators)
        if name in changed:
            assert response.status_code in (200, 404), (name, response.status_code)
            assert response.get("X-Cache") != "hit", name
        else:
            assert response.status_code == 304, name
            if name != "api":
                assert reader.get(url)["X-Cache"] == "hit", name


def test_what_readers_see_after_each_kind_of_change(world, clock, edit_article):
    """The 200s above are the new pages, not the old ones made again."""
    reader = Client()
    for url in SURFACES.values():
        reader.get(url)
    draft_publish(world, edit_article, clock)
    for name in ("article", "region", "theme", "author", "tag", "report", "home"):
        page = reader.get(SURFACES[name]).text
        assert ">A walrus census<" in page, name
        assert ">The walrus survey<" not in page, name
    bulk_unpublish(world, edit_article, clock)
    for name in ("article", "cite", "author", "tag", "report"):
        assert reader.get(SURFACES[name]).status_code == 404, name
    for name in ("region", "theme", "home", "rss", "search", "sitemap_articles"):
        assert "walrus" not in reader.get(SURFACES[name]).text, name


def test_a_scheduled_article_appears_at_its_time(world, clock):
    reader = Client()
    assert reader.get("/articles/beluga/").status_code == 404
    region = reader.get("/regions/asia/")
    assert "A beluga count" not in region.text
    assert reader.get("/articles/beluga/").status_code == 404  # a kept 404
    clock.move(days=2)
    due.forget()
    assert reader.get("/articles/beluga/").status_code == 200
    again = reader.get("/regions/asia/", HTTP_IF_NONE_MATCH=region["ETag"])
    assert again.status_code == 200
    assert "A beluga count" in again.text
    soon = Article.objects.get(slug="beluga")
    assert soon.goes_public_at is None
    # Told once: the next process to look finds nothing to do.
    assert services.announce_due_publications() == 0


def test_processes_racing_to_announce_tell_the_caches_once(world, clock):
    sent = []

    def receiver(sender, keys, **kwargs):
        sent.append(keys)

    from publication import surrogates

    surrogates.keys_changed.connect(receiver)
    try:
        clock.move(days=2)
        assert services.announce_due_publications() == 1
        assert services.announce_due_publications() == 0
        surrogates.settle()
    finally:
        surrogates.keys_changed.disconnect(receiver)
    assert len(sent) == 1
    assert {
        f"article-{world['soon'].pk}",
        "listings",
        f"region-{world['asia'].pk}",
    } <= sent[0]


def test_scheduling_and_rescheduling_keep_the_time_to_announce(world):
    soon = world["soon"]
    assert soon.goes_public_at == soon.publish_at
    soon.publish_at += timedelta(days=1)
    soon.save(update_fields=["publish_at"])
    soon.refresh_from_db()
    assert soon.goes_public_at == soon.publish_at
    soon.status = Article.Status.DRAFT
    soon.save()
    soon.refresh_from_db()
    assert soon.goes_public_at is None
    assert world["live"].goes_public_at is None
