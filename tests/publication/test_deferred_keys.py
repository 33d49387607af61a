"""An import's batch (``surrogates.deferred``) bumps, once at its end, every
key that any of its transactions changed: what each article showed before
the first of them and what it shows after the last."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from publication import surrogates
from publication.models import SurrogateKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    sent = []

    def receiver(sender, keys, **kwargs):
        sent.append(keys)

    surrogates.keys_changed.connect(receiver)
    yield sent
    surrogates.keys_changed.disconnect(receiver)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """A transaction of its own that commits (the test's never does)."""

    def commit():
        return django_capture_on_commit_callbacks(execute=True)

    return commit


def test_a_batch_bumps_every_key_its_transactions_changed_once(
    sent, committing, make_article, make_region, make_theme, make_author
):
    asia, water, ann = make_region("Asia"), make_theme("Water"), make_author("Ann")
    walrus = make_article(regions=[asia], tags=["rivers"])
    draft = make_article(state="draft", themes=[water], authors=[ann])
    untouched = make_article(tags=["rivers"])
    rivers = walrus.tags.get()
    surrogates.settle()
    sent.clear()
    with surrogates.deferred():
        with committing(), transaction.atomic():
            walrus.tags.set(["lakes"])
        with committing(), transaction.atomic():
            walrus.status = Article.Status.DRAFT
            walrus.save()
        with committing(), transaction.atomic():
            draft.status = Article.Status.PUBLISHED
            draft.publish_at = timezone.now() - timedelta(hours=1)
            draft.save()
        assert sent == []  # nothing before the batch ends
    assert len(sent) == 1
    lakes = Tag.objects.get(name="lakes")
    assert {
        f"article-{walrus.pk}",
        f"region-{asia.pk}",
        f"tag-{rivers.pk}",  # what it showed before the batch
        f"tag-{lakes.pk}",  # what it showed in between
        f"article-{draft.pk}",
        f"theme-{water.pk}",
        f"author-{ann.pk}",
        "listings",
    } <= sent[0]
    assert f"article-{untouched.pk}" not in sent[0]
    stored = set(SurrogateKey.objects.values_list("key", flat=True))
    assert sent[0] <= stored


def test_on_the_database_cache_a_batch_mirrors_every_version(
    settings, committing, make_article, make_region
):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "imprint_test_default",
        },
    }
    call_command("createcachetable", verbosity=0)
    asia = make_region("Asia")
    articles = [make_article(regions=[asia]) for _ in range(3)]
    surrogates.settle()
    with surrogates.deferred():
        for article in articles:
            with committing(), transaction.atomic():
                article.title += " (updated)"
                article.save()
    rows = {
        key: (token, changed_at)
        for key, token, changed_at in SurrogateKey.objects.values_list(
            "key", "token", "changed_at"
        )
    }
    keys = [f"article-{article.pk}" for article in articles] + [
        f"region-{asia.pk}",
        "listings",
    ]
    cached = cache.get_many([surrogates.CACHE_PREFIX + key for key in keys])
    assert {key: cached[surrogates.CACHE_PREFIX + key] for key in keys} == {
        key: rows[key] for key in keys
    }
