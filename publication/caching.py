"""What every public response promises caches, and the page cache.

A public view is decorated with :func:`public` (the keys every response of it
shows) and names the rest of what it shows with :func:`shows` (an article's
authors, the subjects of a feed's items). :class:`PageCacheMiddleware` then
gives each such response, from the versions of its keys
(``publication.surrogates``):

- for anonymous readers ``Cache-Control: public, max-age=PUBLIC_MAX_AGE``,
  ``Vary: Cookie``, the keys in ``xkey``, an ``ETag`` (a hash of the address,
  the code version and the key versions) and a ``Last-Modified`` (the newest
  change of a key, or of the code), and a 304 to a revalidation that still
  holds them; for signed-in users ``private, no-store`` and no validators;
- a place in the page cache (``CACHES["pages"]``): an anonymous reader's
  GET is answered from it, without running the view, while every key still
  has the version the page was made with, so a change makes the copy
  unreachable at once, in every process. A request with a cookie other than
  the CSRF cookie (and ``PAGE_CACHE_IGNORED_COOKIES``) or with credentials
  is never answered from it; a response that sets a cookie, carries a form
  token, varies on anything but Cookie and Accept-Encoding or says it is
  private is never stored. ``X-Cache`` says ``hit``, ``miss`` or ``bypass``.

When the page cache is the default cache (as with Redis, ``publication.settings``),
a hit is one round trip: each process remembers the keys of the pages it has
lately stored or answered (:class:`KnownKeys`, names only, never the pages), and
reads a page together with its keys' versions. A page whose keys it does not
know, or that another process stored with other keys, costs a second read.

A page made while one of its keys was changing (within ``SETTLE_SECONDS``,
which also covers clocks that differ a little between hosts) may hold what
was there before: it gets ``Cache-Control: no-cache`` and no validators, and
is not stored.
"""

import hashlib
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from . import surrogates

# A page made less than this after a change of one of its keys may be older
# than the change: no validators, not stored.
SETTLE_SECONDS = 1.0
# What a 404 or a redirect at a public address shows: only a change that
# bumps "listings" can put a page there.
ELSEWHERE = frozenset({surrogates.LISTINGS, surrogates.IDENTITY})
STORED_STATUSES = {200, 301, 404}
HARMLESS_VARY = {"cookie", "accept-encoding"}
# Made again for each response (from the versions), never stored.
FRESH_HEADERS = {
    "cache-control",
    "etag",
    "last-modified",
    "x-cache",
    surrogates.HEADER,
}
# Never a page cache hit: their responses are the API's (its own limits).
UNCACHED_PREFIXES = ("/api/",)
TOKEN_MARK = b"csrfmiddlewaretoken"
# How many pages' keys each process remembers (about a kilobyte each).
KNOWN_PAGES = 2000


# Views -------------------------------------------------------------------------


def public(*keys):
    """Decorate a view: its responses are public pages showing ``keys``
    (and whatever it adds with :func:`shows`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            shown = getattr(request, "surrogate_keys", None)
            request.surrogate_keys = (shown or set()) | set(keys)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def shows(request, *keys):
    """The response to ``request`` also shows ``keys`` (ignored unless the
    view is :func:`public`: a preview reusing a public view stays private)."""
    shown = getattr(request, "surrogate_keys", None)
    if shown is not None:
        shown.update(keys)


def is_private(request):
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


# The code version ------------------------------------------------------------------

_SOURCES = ("templates", "static", "publication", "authors", "regions", "themes")
_APPS = ("articles", "editorial", "api", "reprints", "imports")


@memoize
def release():
    """``(digest, time)`` of the code that makes the pages: ``IMPRINT_RELEASE``
    if set, else a hash of the templates, static files and Python sources (so
    every host running the same code agrees); the time is the newest file's."""
    named = os.environ.get("IMPRINT_RELEASE")
    digest = hashlib.sha256()
    newest = 0.0
    base = Path(settings.BASE_DIR)
    for folder in (*_SOURCES, *_APPS):
        root = base / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in {".pyc", ".mo"}:
                continue
            newest = max(newest, path.stat().st_mtime)
            if not named:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    name = named or digest.hexdigest()[:16]
    return name, datetime.fromtimestamp(int(newest), tz=UTC) if newest else None


# Validators ------------------------------------------------------------------------


def validators(request, keys, current, started):
    """``(etag, last_modified)`` from the keys' versions, or None while one of
    them has just changed (the page may predate the change)."""
    times = [changed_at for _token, changed_at in current.values() if changed_at]
    newest = max(times, default=None)
    if newest is not None and newest > started - timedelta(seconds=SETTLE_SECONDS):
        return None
    code, code_time = release()
    seed = "|".join(
        [
            request.get_full_path(),
            code,
            *(f"{name}={current[name][0]}" for name in sorted(keys)),
        ]
    )
    etag = f'"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"'
    modified = max((when for when in (newest, code_time) if when), default=None)
    return etag, modified


def public_headers(request, response, keys, current, started):
    """The headers of an anonymous reader's public response; a 304 instead
    when the request's validators still hold. Returns the response to send
    and whether it may be stored."""
    patch_vary_headers(response, ["Cookie"])
    if keys:
        response[surrogates.HEADER] = " ".join(sorted(keys))
    checked = validators(request, keys, current, started)
    if checked is None:
        response["Cache-Control"] = "no-cache"
        return response, False
    etag, modified = checked
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
    if response.status_code != 200:
        # Only a page revalidates; a 404 says nothing about what it is not.
        return response, True
    response["ETag"] = etag
    timestamp = None
    if modified is not None:
        timestamp = int(modified.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    answer = get_conditional_response(request, etag, timestamp, response)
    if answer is not None and answer.status_code == 304:
        return not_modified(response), False
    return response, True


def not_modified(response):
    """A 304 with every header of ``response`` but its content's."""
    answer = HttpResponseNotModified()
    for name, value in response.items():
        if name.lower() not in {"content-type", "content-length"}:
            answer[name] = value
    answer.cookies = response.cookies
    return answer


# The page cache -------------------------------------------------------------------


def page_cache():
    if settings.PAGE_CACHE_SECONDS <= 0 or "pages" not in settings.CACHES:
        return None
    return caches["pages"]


def in_default_cache():
    """The page cache is the default cache (configured the same): a page and
    its keys' versions can be read in one round trip."""
    return settings.CACHES["pages"] == settings.CACHES.get(DEFAULT_CACHE_ALIAS)


class KnownKeys:
    """The keys of the pages this process stored or answered lately, by place:
    at most ``size``, the oldest forgotten first. Safe between threads."""

    def __init__(self, size):
        self.size = size
        self._keys = {}
        self._lock = threading.Lock()

    def get(self, place):
        return self._keys.get(place)

    def remember(self, place, keys):
        # Interned: pages share most of their keys ("notices", a theme's).
        keys = tuple(sys.intern(name) for name in keys)
        with self._lock:
            if self._keys.get(place) == keys:
                return
            self._keys.pop(place, None)
            while len(self._keys) >= self.size:
                del self._keys[next(iter(self._keys))]
            self._keys[place] = keys

    def forget(self, place):
        with self._lock:
            self._keys.pop(place, None)

    def clear(self):
        with self._lock:
            self._keys.clear()


known_keys = KnownKeys(KNOWN_PAGES)


def stored_page(store, place):
    """``(entry, versions)``: the page kept at ``place`` and the current
    versions of its keys, or ``(None, None)``. One round trip when the page
    cache is the default cache and this process knows the page's keys."""
    keys = known_keys.get(place)
    if keys is not None and in_default_cache():
        current, found = surrogates.versions_and_entries(keys, [place])
        entry = found.get(place)
        if entry is None:
            known_keys.forget(place)
            return None, None
        if tuple(entry["keys"]) == keys:
            return entry, current
    else:
        entry = store.get(place)
        if entry is None:
            return None, None
    # Stored by another process with other keys, or not known here yet.
    known_keys.remember(place, entry["keys"])
    return entry, surrogates.versions(entry["keys"])


def page_key(request):
    """Where the page for this request is kept, or None if it is never
    answered from the page cache."""
    if request.method not in ("GET", "HEAD"):
        return None
    if request.path.startswith(UNCACHED_PREFIXES):
        return None
    harmless = {settings.CSRF_COOKIE_NAME, *settings.PAGE_CACHE_IGNORED_COOKIES}
    if set(request.COOKIES) - harmless or "HTTP_AUTHORIZATION" in request.META:
        return None
    try:
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    except DisallowedHost:
        return None
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{release()[0]}:{digest}"


def storable(response):
    if response.status_code not in STORED_STATUSES or response.streaming:
        return False
    if response.cookies:
        return False
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return False
    vary = {
        part.strip().lower()
        for part in response.get("Vary", "").split(",")
        if part.strip()
    }
    if vary - HARMLESS_VARY:
        return False
    return TOKEN_MARK not in response.content


def stored_form(response, keys, current):
    return {
        "status": response.status_code,
        "headers": [
            (name, value)
            for name, value in response.items()
            if name.lower() not in FRESH_HEADERS
        ],
        "content": response.content,
        "keys": sorted(keys),
        "tokens": {name: current[name][0] for name in keys},
    }


def from_stored(entry):
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Validators and ``Cache-Control`` for public responses, and the page
    cache for anonymous readers (see the module's docstring). Sits above
    everything that reads the session or the user, below the security
    headers (so cached pages get them, and a CSP without a nonce) and below
    ApplyDueChangesMiddleware (a page due to change changes first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        surrogates.settle()
        started = timezone.now()
        store = page_cache()
        place = page_key(request) if store is not None else None
        if place is not None:
            entry, current = stored_page(store, place)
            if entry is not None and all(
                current[name][0] == entry["tokens"][name] for name in entry["keys"]
            ):
                return self.hit(request, entry, current, started)
        response = self.get_response(request)
        keys = getattr(request, "surrogate_keys", None)
        if keys is None or response.status_code not in STORED_STATUSES:
            return response
        if response.status_code != 200:
            keys = set(ELSEWHERE)
        if is_private(request) or "private" in response.get("Cache-Control", ""):
            if "Cache-Control" not in response:
                response["Cache-Control"] = "private, no-store"
            patch_vary_headers(response, ["Cookie"])
            response["X-Cache"] = "bypass"
            return response
        current = surrogates.versions(keys)
        response, may_store = public_headers(request, response, keys, current, started)
        response["X-Cache"] = "miss" if place is not None else "bypass"
        if may_store and place is not None and request.method == "GET":
            if storable(response):
                entry = stored_form(response, keys, current)
                store.set(place, entry, settings.PAGE_CACHE_SECONDS)
                known_keys.remember(place, entry["keys"])
        return response

    def hit(self, request, entry, current, started):
        response = from_stored(entry)
        response, _may_store = public_headers(
            request, response, set(entry["keys"]), current, started
        )
        response["X-Cache"] = "hit"
        if request.method == "HEAD" and response.status_code != 304:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
