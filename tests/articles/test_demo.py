import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from articles import demo
from articles.models import (
    Article,
    Authorship,
    InDepthReport,
    ReportArticle,
    TaggedArticle,
)
from authors.models import Author
from regions.models import Region
from themes.models import Theme

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def counts():
    return {
        "articles": Article.objects.count(),
        "authors": Author.objects.count(),
        "regions": Region.objects.count(),
        "themes": Theme.objects.count(),
        "reports": InDepthReport.objects.count(),
        "report entries": ReportArticle.objects.count(),
        "authorships": Authorship.objects.count(),
        "tags": Tag.objects.count(),
        "tagged": TaggedArticle.objects.count(),
    }


def words(html):
    return len(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def demo_loaded():
    run("load_demo", "--no-images")


def test_load_demo_makes_the_stated_set(demo_loaded):
    assert Region.objects.count() == 8
    assert Theme.objects.count() == 10
    assert Author.objects.count() == 12
    assert Article.objects.count() == 60
    assert InDepthReport.objects.count() == 3
    assert Tag.objects.count() == 25
    for report in InDepthReport.objects.all():
        positions = list(report.entries.values_list("position", flat=True))
        assert 4 <= len(positions) <= 8
        assert positions == list(range(len(positions)))
    assert all(author.bio and author.affiliation for author in Author.objects.all())


def test_load_demo_is_idempotent(demo_loaded):
    before = counts()
    updated = dict(Article.objects.values_list("slug", "updated_at"))
    output = run("load_demo", "--no-images")
    assert counts() == before
    assert dict(Article.objects.values_list("slug", "updated_at")) == updated
    assert "0 articles added, 60 in all" in output


def test_articles_are_800_to_1500_words_of_varied_markup(demo_loaded):
    for article in Article.objects.all():
        assert 800 <= words(article.body) <= 1500, article.slug
        assert "<h2>" in article.body
        assert "<p>" in article.body
    bodies = "".join(Article.objects.values_list("body", flat=True))
    assert '<a href="https://example.org/' in bodies
    assert "<blockquote>" in bodies
    assert "<strong>" in bodies
    assert "<em>" in bodies


def test_articles_are_filed_and_bylined(demo_loaded):
    for article in Article.objects.prefetch_related("authorships", "tags"):
        assert 1 <= article.authorships.count() <= 3
        assert 1 <= article.regions.count() <= 2
        assert 1 <= article.themes.count() <= 3
        assert 2 <= article.tags.count() <= 5
        positions = [a.position for a in article.authorships.all()]
        assert positions == list(range(len(positions)))


def test_statuses_are_mostly_published(demo_loaded):
    published = Article.objects.published().count()
    assert 45 <= published < 60
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert Article.objects.filter(status=Article.Status.REVIEW).exists()
    scheduled = Article.objects.filter(status=Article.Status.PUBLISHED).exclude(
        pk__in=Article.objects.published()
    )
    assert scheduled.exists()


def test_cross_posts_have_an_outlet(demo_loaded):
    cross_posts = Article.objects.exclude(original_url="")
    assert 10 <= cross_posts.count() <= 20
    for article in cross_posts:
        assert article.original_outlet
        assert article.original_published_at
    assert cross_posts.filter(is_original_canonical=True).exists()
    assert Article.objects.filter(is_reprintable=False).count() >= 2


def test_load_demo_is_deterministic():
    run("load_demo", "--no-images", "--articles", "20", "--seed", "7")
    regions, themes = list(Region.objects.all()), list(Theme.objects.all())
    now = timezone.now()
    for index, (slug, standfirst) in enumerate(
        Article.objects.order_by("pk").values_list("slug", "standfirst")
    ):
        planned = demo.plan_article(7, index, regions, themes, now, bulk=True)
        assert (planned[0].slug, planned[0].standfirst) == (slug, standfirst)
    first = demo.Writer(demo.random.Random(7)).body()
    assert demo.Writer(demo.random.Random(7)).body() == first


def test_bulk_articles_makes_exactly_that_many():
    output = run("load_demo", "--no-images", "--articles", "300", "--batch-size", "128")
    assert Article.objects.count() == 300
    assert "300 of 300 checked" in output
    assert Authorship.objects.count() >= 300
    assert Article.regions.through.objects.count() >= 300
    assert Article.themes.through.objects.count() >= 300
    assert TaggedArticle.objects.count() >= 600
    assert not Article.objects.exclude(featured_image="").exists()

    run("load_demo", "--no-images", "--articles", "300")
    assert Article.objects.count() == 300
    run("load_demo", "--no-images", "--articles", "350")
    assert Article.objects.count() == 350


def test_bulk_bodies_are_sanitised():
    run("load_demo", "--no-images", "--articles", "5")
    for body in Article.objects.values_list("body", flat=True):
        assert 'rel="noopener"' in body  # added by the sanitiser, not the generator


def test_load_demo_with_images(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_ARTICLES", 3)
    run("load_demo")
    assert Article.objects.count() == 3
    for article in Article.objects.all():
        assert article.featured_image
        assert article.featured_image.name.endswith(".jpg")
        assert article.image_credit == "Illustration: Imprint demo"
        assert article.image_alt
        assert article.image_caption
        with article.featured_image.open("rb") as image:
            assert image.read(3) == b"\xff\xd8\xff"
    assert all(author.photo for author in Author.objects.all())


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_ensure_editor_creates_the_account_once(monkeypatch, fast_hashing):
    monkeypatch.setenv("PORT", "8123")
    output = run("ensure_editor")
    match = re.search(
        r"Log in at http://127\.0\.0\.1:8123/admin/ as editor / (\S+)", output
    )
    assert match
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and user.is_superuser
    assert user.check_password(match.group(1))
    assert user.groups.filter(name="Publisher").exists()

    again = run("ensure_editor")
    assert "exists" in again
    assert "manage.py changepassword editor" in again
    assert match.group(1) not in again
    assert get_user_model().objects.count() == 1
    assert (
        get_user_model().objects.get(username="editor").check_password(match.group(1))
    )


def test_ensure_editor_with_username_and_password(fast_hashing):
    run("ensure_editor", "--username", "ops", "--password", "s3cret-Pass")
    user = get_user_model().objects.get(username="ops")
    assert user.check_password("s3cret-Pass")
    assert user.is_superuser

    run("ensure_editor", "--username", "ops", "--password", "n3w-Pass")
    assert get_user_model().objects.get(username="ops").check_password("n3w-Pass")
