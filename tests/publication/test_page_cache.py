"""The page cache: an anonymous reader's second request is answered without the
view; a change makes the copy unreachable at once; cookies, staff, forms with
a token and private responses never share a copy; Redis, the database cache
and the local memory all hold it."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from articles.models import Article
from publication import cached, caching, surrogates
from publication.models import Identity, NoticeVersion, SurrogateKey
from tests import servers

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return Client()


@pytest.fixture
def region_page(make_region, make_article, make_author):
    region = make_region("Asia", slug="asia")
    make_article("Rivers run dry", regions=[region], authors=[make_author("Ann")])
    return region


def test_the_second_request_is_a_hit_and_runs_no_query(
    reader, region_page, django_assert_num_queries
):
    first = reader.get("/regions/asia/")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = reader.get("/regions/asia/")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary", "xkey"):
        assert again[header] == first[header], header
    # A revalidation from the copy is a 304, still without the view.
    with django_assert_num_queries(0):
        revalidated = reader.get("/regions/asia/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["ETag"] == first["ETag"]
    assert revalidated["xkey"] == first["xkey"]
    assert revalidated["X-Cache"] == "hit"


def test_a_change_makes_the_copy_unreachable(reader, region_page):
    reader.get("/regions/asia/")
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"
    region_page.description = "Monsoon country."
    region_page.save()
    response = reader.get("/regions/asia/")
    assert response["X-Cache"] == "miss"
    assert "Monsoon country." in response.text
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"


def test_each_address_and_query_has_its_own_copy(reader, make_article):
    make_article("Glacier melt")
    reader.get("/search/?q=glacier")
    assert reader.get("/search/?q=glacier")["X-Cache"] == "hit"
    other = reader.get("/search/?q=melt")
    assert other["X-Cache"] == "miss"
    assert reader.get("/search/?q=glacier", HTTP_HOST="127.0.0.1")["X-Cache"] == "miss"


@pytest.mark.parametrize("cookie", ["sessionid", "messages", "some_tracker"])
def test_a_request_with_a_cookie_bypasses_the_cache(reader, region_page, cookie):
    reader.cookies[cookie] = "x"
    first = reader.get("/regions/asia/")
    second = reader.get("/regions/asia/")
    assert first["X-Cache"] == second["X-Cache"] == "bypass"
    # Nothing was stored for the others either.
    assert Client().get("/regions/asia/")["X-Cache"] == "miss"


def test_the_csrf_cookie_and_configured_cookies_are_harmless(
    reader, region_page, settings
):
    settings.PAGE_CACHE_IGNORED_COOKIES = ["consent"]
    reader.get("/regions/asia/")
    reader.cookies["csrftoken"] = "a" * 32
    reader.cookies["consent"] = "yes"
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"


def test_credentials_bypass_the_cache(reader, region_page):
    reader.get("/regions/asia/")
    response = reader.get("/regions/asia/", HTTP_AUTHORIZATION="Basic eDp5")
    assert response["X-Cache"] == "bypass"


def test_staff_get_private_pages_never_stored(staff_client, make_article):
    draft = make_article("Secret draft", state="draft", slug="secret")
    public = make_article("Open piece", slug="open")
    for article in (draft, public):
        response = staff_client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Cache"] == "bypass"
        assert "ETag" not in response and "xkey" not in response
    reader = Client()
    assert reader.get("/articles/secret/").status_code == 404
    assert reader.get("/articles/open/")["X-Cache"] == "miss"


@pytest.mark.parametrize("url", ["/reprints/request/", "/contact/"])
def test_a_form_with_a_token_is_never_stored(reader, make_article, url):
    make_article("Rivers run dry")
    first = reader.get(url)
    second = Client().get(url)
    assert first.status_code == second.status_code == 200
    assert "csrfmiddlewaretoken" in first.text
    assert second.get("X-Cache") != "hit"
    assert "public" not in second["Cache-Control"]


def test_what_may_be_stored():
    page = HttpResponse("<p>A page</p>")
    page["Vary"] = "Cookie, Accept-Encoding"
    assert caching.storable(page)
    token = HttpResponse('<input name="csrfmiddlewaretoken" value="x">')
    assert not caching.storable(token)
    cookie = HttpResponse("<p>A page</p>")
    cookie.set_cookie("flavour", "ginger")
    assert not caching.storable(cookie)
    languages = HttpResponse("<p>A page</p>")
    languages["Vary"] = "Accept-Language"
    assert not caching.storable(languages)
    private = HttpResponse("<p>A page</p>")
    private["Cache-Control"] = "private"
    assert not caching.storable(private)
    assert not caching.storable(HttpResponse(status=500))


def test_head_is_answered_from_the_copy(reader, region_page):
    first = reader.get("/regions/asia/")
    head = reader.head("/regions/asia/")
    assert head["X-Cache"] == "hit"
    assert head.content == b""
    assert head["ETag"] == first["ETag"]


def test_a_404_at_a_public_address_is_kept_until_a_listing_changes(
    reader, make_article
):
    draft = make_article("Coming soon", state="draft", slug="soon")
    assert reader.get("/articles/soon/").status_code == 404
    again = reader.get("/articles/soon/")
    assert again.status_code == 404 and again["X-Cache"] == "hit"
    assert "public" in again["Cache-Control"] and "ETag" not in again
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert reader.get("/articles/soon/").status_code == 200


def test_an_address_that_is_no_page_is_not_stored(reader):
    assert reader.get("/no-such-thing/").status_code == 404
    assert "X-Cache" not in reader.get("/no-such-thing/")


def test_the_api_keeps_its_own_limits(reader, make_article, settings):
    make_article("Rivers run dry")
    first = reader.get("/api/v1/articles/")
    second = reader.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert first["X-Cache"] == "bypass"
    assert second.status_code == 304
    assert second["Access-Control-Allow-Origin"] == "*"


def test_no_page_cache_when_switched_off(reader, region_page, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first = reader.get("/regions/asia/")
    again = reader.get("/regions/asia/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert reader.get("/regions/asia/")["X-Cache"] == "bypass"


# The pages need no nonce, so a copy is good for everyone ----------------------


def test_a_cached_page_carries_no_nonce(reader, make_article, make_author):
    article = make_article(
        "Rivers run dry", authors=[make_author("Ann")], tags=["rivers"]
    )
    reader.get(article.get_absolute_url())
    for _ in range(2):
        response = reader.get(article.get_absolute_url())
        assert response["X-Cache"] == "hit"
        html = response.text
        assert '<script type="application/ld+json">' in html
        assert "nonce" not in html
        policy = response["Content-Security-Policy"]
        assert "'nonce-" not in policy
        assert "script-src 'self';" in policy
        assert "'unsafe-inline'" not in policy


def test_no_public_template_needs_a_nonce():
    from pathlib import Path

    from django.conf import settings

    templates = Path(settings.BASE_DIR) / "templates"
    for path in templates.rglob("*.html"):
        relative = path.relative_to(templates).as_posix()
        if relative.startswith(("admin/", "editorial/admin/")):
            continue  # the editors' pages render per request
        text = path.read_text()
        assert "nonce" not in text, relative
        assert "<style" not in text and " style=" not in text, relative
        for script in text.split("<script")[1:]:
            opening = script.split(">", 1)[0]
            assert "src=" in opening or "application/ld+json" in opening, relative


# Validators and the moment of a change --------------------------------------------


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now().replace(microsecond=0)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def move(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(caching, "SETTLE_SECONDS", 1.0)
    return Clock(monkeypatch)


def test_a_page_made_as_it_changes_is_neither_validated_nor_stored(
    reader, clock, region_page
):
    clock.move(seconds=5)
    region_page.name = "South Asia"
    region_page.save()
    racing = reader.get("/regions/asia/")
    assert racing.status_code == 200
    assert racing["Cache-Control"] == "no-cache"
    assert "ETag" not in racing and "Last-Modified" not in racing
    assert reader.get("/regions/asia/")["X-Cache"] == "miss"
    clock.move(seconds=2)
    settled = reader.get("/regions/asia/")
    assert settled["ETag"] and settled["Last-Modified"]
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"


def test_a_change_in_the_same_second_fails_if_modified_since(
    reader, clock, region_page
):
    clock.move(seconds=5, microseconds=100_000)
    region_page.name = "South Asia"
    region_page.save()
    clock.move(seconds=1, microseconds=200_000)
    first = reader.get("/regions/asia/")
    modified = first["Last-Modified"]
    assert reader.get(
        "/regions/asia/", HTTP_IF_MODIFIED_SINCE=modified
    ).status_code == (304)
    clock.move(microseconds=300_000)  # still the second Last-Modified names
    region_page.name = "Asia"
    region_page.save()
    clock.move(seconds=2)
    again = reader.get("/regions/asia/", HTTP_IF_MODIFIED_SINCE=modified)
    assert again.status_code == 200
    assert again["Last-Modified"] != modified


def test_last_modified_is_the_newest_change_shown(reader, clock, region_page):
    clock.move(days=1)
    region_page.save()
    when = clock.now
    clock.move(seconds=30)
    response = reader.get("/regions/asia/")
    from django.utils.http import parse_http_date

    assert parse_http_date(response["Last-Modified"]) == int(when.timestamp())


# Versions: the table, the cache and the signal ----------------------------------


def test_versions_survive_a_lost_cache(region_page):
    from django.core.cache import cache

    key = surrogates.key_for(region_page)
    before = surrogates.versions([key])[key]
    assert before != surrogates.NEVER
    cache.clear()
    assert surrogates.versions([key])[key] == before
    assert SurrogateKey.objects.get(key=key).token == before[0]


def test_an_unknown_key_has_the_never_version():
    assert surrogates.versions(["region-999999"]) == {"region-999999": surrogates.NEVER}


def test_keys_change_only_once_the_transaction_commits(
    monkeypatch, region_page, django_capture_on_commit_callbacks
):
    from django.db import connections, transaction

    surrogates.settle()  # what the fixtures left (taggit and m2m use atomic)
    monkeypatch.setattr(
        surrogates, "_in_transaction", lambda using: connections[using].in_atomic_block
    )
    sent = []

    def receiver(sender, keys, **kwargs):
        sent.append(keys)

    surrogates.keys_changed.connect(receiver)
    try:
        key = surrogates.key_for(region_page)
        before = surrogates.versions([key])[key]
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                region_page.name = "South Asia"
                region_page.save()
            assert surrogates.versions([key])[key] == before
            assert sent == []
        assert surrogates.versions([key])[key] != before
        assert sent == [frozenset({key, surrogates.LISTINGS})]
    finally:
        surrogates.keys_changed.disconnect(receiver)


def test_notices_and_identity_have_their_keys(reader):
    sent = []

    def receiver(sender, keys, **kwargs):
        sent.append(keys)

    surrogates.keys_changed.connect(receiver)
    try:
        NoticeVersion.objects.create(kind="disclaimer", body="<p>New.</p>")
        Identity.objects.create(name="The Review")
    finally:
        surrogates.keys_changed.disconnect(receiver)
    assert sent == [frozenset({"notices"}), frozenset({"identity"})]


def test_another_process_changing_the_identity_reaches_this_ones_pages(
    reader, region_page
):
    Identity.objects.create(name="The Review")
    assert "The Review" in reader.get("/regions/asia/").text
    # Another process renames it: its row is written, and its receivers drop
    # the shared copy (in the cache every process reads, none keeps its own)
    # and bump the identity's key. Nothing of this process's hears of it.
    Identity.objects.filter(pk=1).update(name="The Quarterly")
    cached.drop("identity")
    surrogates.bump({surrogates.IDENTITY})
    assert "The Quarterly" in reader.get("/regions/asia/").text


# Where the pages are kept -------------------------------------------------------------


@pytest.fixture(params=["locmem", "database", "redis", "redis, one cache"])
def backend(request, settings):
    """The default cache (the key versions) and the page cache on each kind of
    store. Redis: the local server (or REDIS_URL), a prefix of its own, and
    also the pages in the default cache itself (as ``publication.settings``
    configures them); skipped when none answers, except in CI."""
    if request.param == "locmem":
        yield request.param
        return
    if request.param == "database":
        settings.CACHES = {
            alias: {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": f"imprint_test_{alias}",
            }
            for alias in ("default", "pages")
        }
        call_command("createcachetable", verbosity=0)
        yield request.param
        return
    url, server = servers.local_redis("redis://127.0.0.1:6379/7")
    prefix = f"imprint-test-{uuid.uuid4().hex}"
    shared = request.param == "redis, one cache"
    settings.CACHES = {
        alias: {
            "BACKEND": "publication.cache_backends.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix if shared else f"{prefix}-{alias}",
        }
        for alias in ("default", "pages")
    }
    assert caching.in_default_cache() == shared
    yield request.param
    for key in server.scan_iter(match=f"{prefix}*"):
        server.delete(key)
    server.close()


def test_every_store_keeps_pages_and_versions(reader, backend, region_page):
    first = reader.get("/regions/asia/")
    assert first["X-Cache"] == "miss"
    again = reader.get("/regions/asia/")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    region_page.name = "South Asia"
    region_page.save()
    changed = reader.get("/regions/asia/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["X-Cache"] == "miss"
    assert "South Asia" in changed.text
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"


def test_the_redis_cache_keeps_one_client_per_pool(settings):
    """Django's makes a redis.Redis (and its table of callbacks) every call."""
    from publication.cache_backends import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client("a", write=True)
    assert cache._cache.get_client("b", write=True) is client
    assert cache._cache.get_client("c") is client  # one server: one pool


# One round trip for a hit -------------------------------------------------------------


@pytest.fixture
def one_cache(settings):
    """The pages in the default cache, as with Redis in production."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": settings.CACHES["default"],
    }
    assert caching.in_default_cache()


@pytest.fixture
def cache_reads(monkeypatch):
    """Every read of a cache, as (method, how many keys): a round trip each on
    Redis. (The local memory's ``get_many`` calls its ``get``: not counted.)"""
    from django.core.cache.backends.locmem import LocMemCache

    reads = []
    inside = []
    get, get_many = LocMemCache.get, LocMemCache.get_many

    def counted_get(self, key, *args, **kwargs):
        if not inside:
            reads.append(("get", 1))
        return get(self, key, *args, **kwargs)

    def counted_get_many(self, keys, *args, **kwargs):
        keys = list(keys)
        reads.append(("get_many", len(keys)))
        inside.append(True)
        try:
            return get_many(self, keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(LocMemCache, "get", counted_get)
    monkeypatch.setattr(LocMemCache, "get_many", counted_get_many)
    return reads


def test_a_hit_reads_the_page_and_its_versions_at_once(
    reader, region_page, one_cache, cache_reads
):
    first = reader.get("/regions/asia/")
    assert first["X-Cache"] == "miss"
    keys = first["xkey"].split()
    cache_reads.clear()
    again = reader.get("/regions/asia/")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert cache_reads == [("get_many", len(keys) + 1)]


def test_without_one_cache_a_hit_reads_twice(reader, region_page, cache_reads):
    assert not caching.in_default_cache()
    reader.get("/regions/asia/")
    cache_reads.clear()
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"
    assert [method for method, _count in cache_reads] == ["get", "get_many"]


def test_a_process_new_to_a_page_learns_its_keys(
    reader, region_page, one_cache, cache_reads
):
    reader.get("/regions/asia/")
    caching.known_keys.clear()  # another process stored it
    cache_reads.clear()
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"
    assert [method for method, _count in cache_reads] == ["get", "get_many"]
    cache_reads.clear()
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"
    assert len(cache_reads) == 1


def test_a_page_stored_with_other_keys_is_checked_against_its_own(
    reader, region_page, one_cache
):
    reader.get("/regions/asia/")
    place = caching.page_key(RequestFactory().get("/regions/asia/"))
    assert caching.known_keys.get(place) is not None
    # What this process remembers is out of date: another process stored
    # the page since, with the keys below among others.
    caching.known_keys.remember(place, ["identity"])
    region_page.name = "South Asia"
    region_page.save()
    changed = reader.get("/regions/asia/")
    assert changed["X-Cache"] == "miss"
    assert "South Asia" in changed.text
    assert set(caching.known_keys.get(place)) == set(changed["xkey"].split())


def test_a_page_gone_from_the_cache_is_made_again(reader, region_page, one_cache):
    from django.core.cache import caches

    reader.get("/regions/asia/")
    caches["pages"].clear()
    assert reader.get("/regions/asia/")["X-Cache"] == "miss"
    assert reader.get("/regions/asia/")["X-Cache"] == "hit"


def test_each_process_remembers_a_bounded_number_of_pages():
    known = caching.KnownKeys(2)
    known.remember("a", ["x"])
    known.remember("b", ["y"])
    known.remember("c", ["z"])
    assert known.get("a") is None
    assert known.get("b") == ("y",)
    assert known.get("c") == ("z",)
    known.remember("b", ["y", "w"])
    known.remember("d", ["v"])
    assert known.get("c") is None  # "b" was remembered again, after "c"
    assert known.get("b") == ("y", "w")


def test_the_redis_cache_reads_back_what_it_stored():
    from publication.cache_backends import RedisSerializer

    serializer = RedisSerializer()
    for value in (0, -7, 2**70, "12", b"\x80", None, ("token", None), [1, "a"], 1.5):
        stored = serializer.dumps(value)
        # redis-py sends an int as its digits, and Redis answers them back.
        answered = stored if isinstance(stored, bytes) else str(stored).encode()
        assert serializer.loads(answered) == value
        assert type(serializer.loads(answered)) is type(value)


def test_the_redis_cache_takes_keys_memcached_would_not():
    from publication.cache_backends import RedisCache

    url, server = servers.local_redis("redis://127.0.0.1:6379/7")
    prefix = f"imprint-test-{uuid.uuid4().hex}"
    cache = RedisCache(url, {"KEY_PREFIX": prefix})
    cache.set("a key with spaces", 1)
    assert cache.get("a key with spaces") == 1
    assert cache.get_many(["a key with spaces", "none"]) == {"a key with spaces": 1}
    for key in server.scan_iter(match=f"{prefix}*"):
        server.delete(key)
    server.close()
