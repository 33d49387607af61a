"""Imprint itself through the whole stack: Varnish in front of two gunicorn
servers, nginx with the static files, and the task worker that sends the
purges. The test changes articles in this process (committed, on the test
database the servers use); the change's keys go through the outbox and the
worker to Varnish, and only the pages showing what changed are fetched again.

Needs PostgreSQL (the servers are other processes): ``make test-stack``."""

import shutil
import tempfile
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from articles import services
from deploy.stack import Stack, get
from publication.models import Purge

from .conftest import require

pytestmark = pytest.mark.django_db(transaction=True)


def database_url():
    db = connection.settings_dict
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    return (
        f"postgres://{at}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture(scope="module")
def site(stack_programs, django_db_setup, django_db_blocker):
    require(
        connection.vendor == "postgresql",
        "needs PostgreSQL: DATABASE_URL=postgres://... (make test-stack)",
    )
    run_dir = tempfile.mkdtemp(prefix="imprint-site-")
    static_root = f"{run_dir}/static"
    with override_settings(STATIC_ROOT=static_root), django_db_blocker.unblock():
        call_command("collectstatic", interactive=False, verbosity=0)
    stack = Stack(
        run_dir,
        servers=2,
        workers=2,
        env={
            "DATABASE_URL": database_url(),
            "STATIC_ROOT": static_root,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The database cache: the one this process shares (shared_cache).
            "REDIS_URL": "",
            "CACHE_URL": "",
        },
    )
    with stack:
        yield stack
    shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def shared_cache(site, settings):
    """This process and the servers share the database cache, the task queue
    and the database; each test starts with both caches empty."""
    from django.core.cache import cache

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "imprint_cache",
        },
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VARNISH_URLS = [site.url]
    cache.clear()
    site.varnishadm("ban", "req.url ~ .")


def wait_for_purges(timeout=20):
    """Until the worker has sent every stored purge."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Purge.objects.filter(purged_at__isnull=True).exists():
            return
        time.sleep(0.1)
    pending = list(Purge.objects.filter(purged_at__isnull=True).values())
    raise AssertionError(f"purges still pending: {pending}")


def fetch(site, path):
    status, headers, body = get(site.url + path)
    return status, headers.get("X-Varnish-Cache"), body.decode()


def warm(site, *paths, timeout=10):
    """Each path fetched until Varnish answers it from its cache (a page made
    within a second of a change is not kept: SETTLE_SECONDS)."""
    for path in paths:
        deadline = time.monotonic() + timeout
        while True:
            status, state, _ = fetch(site, path)
            if (status, state) == (200, "hit"):
                break
            assert time.monotonic() < deadline, (path, status, state)
            time.sleep(0.2)


@pytest.fixture
def world(make_region, make_theme, make_article):
    """Two corners of the site that share nothing: region and theme each."""
    north, south = make_region("North"), make_region("South")
    rivers, forests = make_theme("Rivers"), make_theme("Forests")
    ours = make_article("Dams on the north rivers", regions=[north], themes=[rivers])
    theirs = make_article("Old forests", regions=[south], themes=[forests])
    wait_for_purges()
    return {
        "north": north,
        "south": south,
        "rivers": rivers,
        "ours": ours,
        "theirs": theirs,
    }


def test_a_page_is_a_hit_the_second_time(site, world):
    path = world["ours"].get_absolute_url()
    status, state, body = fetch(site, path)
    assert (status, state) == (200, "miss")
    assert "Dams on the north rivers" in body
    status, state, _ = fetch(site, path)
    assert (status, state) == (200, "hit")


def test_static_files_come_from_nginx_and_are_kept(site):
    status, headers, _ = get(site.url + "/static/css/site.css")
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in headers["Cache-Control"]
    assert get(site.url + "/static/css/site.css")[1]["X-Varnish-Cache"] == "hit"


def test_publishing_purges_exactly_the_pages_it_appears_on(site, world, make_article):
    north = world["north"].get_absolute_url()
    ours = world["ours"].get_absolute_url()
    theirs = world["theirs"].get_absolute_url()
    south = world["south"].get_absolute_url()
    warm(site, north, ours, theirs, south, "/")

    new = make_article("Floods in the north", state="draft", regions=[world["north"]])
    wait_for_purges()
    services.publish(new)
    wait_for_purges()

    status, state, body = fetch(site, north)
    assert (status, state) == (200, "miss")
    assert "Floods in the north" in body
    status, state, body = fetch(site, "/")
    assert state == "miss"
    assert "Floods in the north" in body
    assert fetch(site, new.get_absolute_url())[:2] == (200, "miss")
    for path in (theirs, south):  # nothing there changed
        assert fetch(site, path)[1] == "hit", path


def test_unpublishing_purges_the_article_and_its_listings(site, world):
    ours = world["ours"].get_absolute_url()
    north = world["north"].get_absolute_url()
    theirs = world["theirs"].get_absolute_url()
    warm(site, ours, north, theirs)

    services.unpublish(world["ours"])
    wait_for_purges()

    assert fetch(site, ours)[0] == 404
    status, state, body = fetch(site, north)
    assert state == "miss"
    assert "Dams on the north rivers" not in body
    assert fetch(site, theirs)[1] == "hit"


def test_renaming_purges_every_page_showing_the_title(site, world):
    ours = world["ours"].get_absolute_url()
    north = world["north"].get_absolute_url()
    rivers = world["rivers"].get_absolute_url()
    theirs = world["theirs"].get_absolute_url()
    warm(site, ours, north, rivers, theirs)

    article = world["ours"]
    article.title = "Dams, reconsidered"
    article.save()
    wait_for_purges()

    for path in (ours, north, rivers):
        status, state, body = fetch(site, path)
        assert (status, state) == (200, "miss"), path
        assert "Dams, reconsidered" in body, path
    assert fetch(site, theirs)[1] == "hit"


def test_a_stopped_django_still_serves_cached_pages(site, world):
    ours = world["ours"].get_absolute_url()
    north = world["north"].get_absolute_url()
    warm(site, ours, north)
    site.stop_web()
    try:
        for path in (ours, north):
            status, state, body = fetch(site, path)
            assert (status, state) == (200, "hit")
        assert "Dams on the north rivers" in fetch(site, ours)[2]
        # A page Varnish never saw has nothing to fall back on.
        assert fetch(site, world["theirs"].get_absolute_url())[0] == 503
    finally:
        site.start_web()
        site.wait_for_web()
