import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from articles.models import Article
from authors.models import Author
from publication.models import Identity, NoticeVersion, forget_identity
from reprints.abuse import TOKEN_SALT
from tests import servers


@pytest.fixture(autouse=True)
def _fresh_identity():
    forget_identity()
    yield
    forget_identity()


@pytest.fixture
def identity(db):
    return Identity.objects.create(
        name="Imprint Review",
        copyright_holder="Imprint Trust",
        reprint_emails="reprints@example.org, editor@example.org",
        media_emails="press@example.org",
        corrections_emails="corrections@example.org",
    )


@pytest.fixture
def terms(db):
    return NoticeVersion.objects.create(
        kind=NoticeVersion.Kind.REPRINT_TERMS, body="<p>Credit us.</p>"
    )


@pytest.fixture
def article(db):
    article = Article.objects.create(
        title="Water in the Sahel",
        slug="water-sahel",
        status=Article.Status.PUBLISHED,
        publish_at=timezone.now() - timedelta(days=1),
    )
    author = Author.objects.create(name="Ada Writer", slug="ada-writer")
    article.authorships.create(author=author, position=0)
    return article


def old_token(seconds=60):
    """A form token issued ``seconds`` ago: a person's fill time."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)

    with mock.patch("time.time", return_value=time.time() - seconds):
        return signer.sign(uuid.uuid4().hex)


@pytest.fixture
def request_data(article, identity, terms):
    def make(**overrides):
        data = {
            "article": article.slug,
            "name": "Bea Reader",
            "email": "bea@outlet.example",
            "organisation": "Outlet Weekly",
            "outlet_url": "https://outlet.example/",
            "medium": "website",
            "language": "French",
            "intended_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "message": "We would love to.",
            "agree": "on",
            "website": "",
            "form_token": old_token(),
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def contact_data(identity):
    def make(**overrides):
        data = {
            "topic": "media",
            "name": "Carl Press",
            "email": "carl@news.example",
            "organisation": "",
            "subject": "Interview",
            "message": "Could we talk to the author?",
            "website": "",
            "form_token": old_token(),
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def redis_cache(settings):
    """Redis as the shared cache, at REDIS_URL or the local server. Skipped when
    no server answers, except in CI, where the server runs and it must pass.
    A key prefix of its own, removed afterwards, so parallel runs sharing the
    server never see (or flush) each other's keys."""
    url, server = servers.local_redis("redis://127.0.0.1:6379/15")
    prefix = f"imprint-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "publication.cache_backends.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    from django.core.cache import cache

    yield cache
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)
    server.close()
