import pytest

pytest_plugins = ["tests.factories"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads in each test go to a folder of their own; static files come from
    the app folders, as tests run without collectstatic."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "imports"},
        },
    }
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache of its own. (Production shares the
    database cache or Redis between processes; tests of that override CACHES.)"""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "api_limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "api-limits",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
        },
    }
    cache.clear()
    from django.core.cache import caches

    caches["api_limits"].clear()
    caches["pages"].clear()
    from publication.caching import known_keys

    known_keys.clear()


@pytest.fixture(autouse=True)
def _changes_reach_caches(monkeypatch):
    """A test's own transaction never commits, so the caches would never hear
    of a change: count the end of the code's own transactions as the commit
    (outside them, a change is bumped at once, as in autocommit). And a page
    made right after a change gets its validators here: tests of that wait
    (publication.caching.SETTLE_SECONDS) set it back."""
    from django.db import connections

    from publication import caching, surrogates

    def in_transaction(using):
        return any(
            not getattr(block, "_from_testcase", False)
            for block in connections[using].atomic_blocks
        )

    monkeypatch.setattr(surrogates, "_in_transaction", in_transaction)
    monkeypatch.setattr(caching, "SETTLE_SECONDS", 0)
    yield
    # What a test left pending belongs to its rolled-back transaction.
    for connection in connections.all(initialized_only=True):
        connection._surrogate_pending = None


@pytest.fixture(autouse=True)
def _no_scheduled_change_check():
    """The scheduled-changes middleware looks for due drafts once every few
    seconds per process; in tests that would add a query to whichever request
    happens to come then. Tests of it call ``editorial.due.forget()``."""
    from editorial import due

    due.hold_off()
    yield
    due.hold_off()
