import pytest


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
    }
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The database cache lives in the test database; clear what a test left."""
    from django.core.cache import cache

    yield
    cache.clear()
