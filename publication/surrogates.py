"""What changed, named by surrogate keys, for every cache in front of Django.

A public response names what it shows with keys, sent space-separated in the
``xkey`` header (Varnish's xkey module reads it). When something changes,
:data:`keys_changed` is sent once the transaction commits, with the keys it
affects; receivers drop or purge what those keys name (Varnish). The page cache
and the validators (``publication.caching``) read each key's version instead.

The keys
--------

==================  =========================================================
key                 bumped when
==================  =========================================================
``article-<pk>``    the article changes while public before or after: any
                    save, delete, authors, regions, themes, reports, tags, a
                    correction; it goes live at its scheduled time
``region-<pk>``     it is saved or deleted (a new author, report or tag
``theme-<pk>``      shows nowhere yet: not on creation); a public article
``report-<pk>``     (before or after the change) filed under it changes
``author-<pk>``
``tag-<pk>``
``listings``        any public article changes (as above), any region,
                    theme, report, author or tag is renamed, created or
                    deleted: everything listing articles or subjects
                    site-wide reads it
``notices``         a site notice gets a new version (or one is deleted)
``identity``        the publication's identity (name, holder) is saved
==================  =========================================================

A change to a draft (never public, before or after) bumps nothing.

What each surface shows (``articles.http`` writes it once):

====================================  ==========================================
surface                               keys
====================================  ==========================================
article page                          ``article-<pk>``; ``author-``, ``region-``,
                                      ``theme-``, ``report-``, ``tag-<pk>`` of
                                      each of its own; the authors of the related
                                      articles (chosen by its themes and tags,
                                      whose keys it carries); ``notices``,
                                      ``identity``
cite.bib, cite.ris                    ``article-<pk>``, its authors, ``notices``,
                                      ``identity``
region, theme, report, author, tag    its own key, the authors of the articles
page                                  listed, ``identity``
their RSS and Atom feeds              its own key, the authors, regions, themes
                                      and tags of the items, ``identity``
home, latest feeds, search, the       ``listings``, ``identity``
indexes (regions, themes, reports,
authors), corrections page and feeds
sitemap index and files               ``listings``
disclaimer, reprint policy            ``notices``, ``identity``
robots.txt                            none (the code version only)
read API (``/api/v1/``)               ``listings``, ``notices``, ``identity``
its docs page                         ``identity``
a 404 or 301 of a public address      ``listings``, ``identity`` (only a change
                                      bumping ``listings`` can make a page appear
                                      there or move)
====================================  ==========================================

Versions
--------

Each key has a version: a random token and the time it changed, stored in
:class:`~publication.models.SurrogateKey` and mirrored in the default cache, so
reading the versions of a page's keys is one ``get_many`` (the table answers
for keys the cache lost). A key never bumped has the version :data:`NEVER`.

Changes are collected per transaction (:func:`pending`) and bumped once it
commits: the table rows first, then the cache entries, then
:data:`keys_changed`. Model signals feed them (``articles.changes``,
``publication.apps``), so every way in — the admin, bulk actions, the desk's
services, importers, the shell — is seen.
"""

import contextlib
import contextvars
import secrets
from dataclasses import dataclass, field

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.dispatch import Signal
from django.utils import timezone

HEADER = "xkey"

# Sent with ``keys``: a frozenset of key strings, after the change has committed.
keys_changed = Signal()

LISTINGS = "listings"
NOTICES = "notices"
IDENTITY = "identity"

# The kind of key for each model with a public page.
KINDS = {
    "articles.article": "article",
    "regions.region": "region",
    "themes.theme": "theme",
    "articles.indepthreport": "report",
    "authors.author": "author",
    "taggit.tag": "tag",
}

# The version of a key that was never bumped: (token, changed_at).
NEVER = ("0", None)

CACHE_PREFIX = "surrogate:"


def key(kind, pk):
    return f"{kind}-{pk}"


def key_for(obj):
    """``region-3`` for a region, ``tag-7`` for a tag, and so on."""
    return key(KINDS[obj._meta.label_lower], obj.pk)


# Reading versions ------------------------------------------------------------


def versions(keys):
    """``{key: (token, changed_at)}`` for ``keys``: one cache ``get_many``;
    the table answers for keys missing from the cache (and the cache learns
    them, with ``add`` so a bump made meanwhile wins)."""
    return versions_and_entries(keys, ())[0]


def versions_and_entries(keys, entries):
    """``(versions, found)``: :func:`versions` of ``keys``, and the cache
    entries ``entries`` names (those found), read in the same round trip."""
    from .models import SurrogateKey

    settle()
    keys = set(keys)
    names = {name: CACHE_PREFIX + name for name in keys}
    found = cache.get_many([*names.values(), *entries])
    result = {name: found[cached] for name, cached in names.items() if cached in found}
    missing = keys - result.keys()
    if missing:
        rows = {
            row_key: (token, changed_at)
            for row_key, token, changed_at in SurrogateKey.objects.filter(
                key__in=missing
            ).values_list("key", "token", "changed_at")
        }
        for name in missing:
            result[name] = rows.get(name, NEVER)
            cache.add(names[name], result[name], None)
    return result, {entry: found[entry] for entry in entries if entry in found}


# Bumping -----------------------------------------------------------------------


def bump(keys):
    """Give each key a new version now (table, then cache), then tell the
    receivers of :data:`keys_changed`. Call it after the change committed
    (:func:`changed` does)."""
    from .models import SurrogateKey

    keys = frozenset(keys)
    if not keys:
        return {}
    now = timezone.now()
    rows = [
        SurrogateKey(key=name, token=secrets.token_hex(8), changed_at=now)
        for name in sorted(keys)  # one order for everyone: no deadlocks
    ]
    SurrogateKey.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["token", "changed_at"],
    )
    new = {row.key: (row.token, row.changed_at) for row in rows}
    with _together():
        cache.set_many(
            {CACHE_PREFIX + name: value for name, value in new.items()}, None
        )
    keys_changed.send(sender=SurrogateKey, keys=keys)
    return new


def _together():
    """The database cache writes each entry in a transaction of its own (a
    commit each on SQLite); the entries of one bump share one."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, DatabaseCache):
        using = router.db_for_write(backend.cache_model_class)
        return transaction.atomic(using=using)
    return contextlib.nullcontext()


# Collecting the changes of a transaction ----------------------------------------


@dataclass(eq=False)
class Pending:
    """What the open transaction (or the statement just run) changed: keys
    known already, and ``finishers`` that name more once it commits (an
    article's subjects after the change). ``data`` is theirs to keep what
    they saw before. A finisher is called with a list of such states (all
    the transactions of a :func:`deferred` block that it finishes, at its
    end) and answers the keys they change."""

    using: str
    keys: set = field(default_factory=set)
    finishers: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    done: bool = False


def _in_transaction(using):
    # The tests replace this: their own transaction never commits (conftest).
    return connections[using].in_atomic_block


def pending(using=DEFAULT_DB_ALIAS):
    """The changes collected on this connection, created on first use."""
    connection = connections[using]
    state = getattr(connection, "_surrogate_pending", None)
    if state is None or state.done:
        state = Pending(using)
        connection._surrogate_pending = state
    return state


def changed(keys=(), using=DEFAULT_DB_ALIAS):
    """These keys changed (in the open transaction, if any)."""
    pending(using).keys.update(keys)
    settle(using)


def settle(using=DEFAULT_DB_ALIAS):
    """Bump what was collected once nothing can roll it back: now outside a
    transaction, else when it commits. Left over after a rollback, it is
    bumped on the next call (a harmless extra bump)."""
    state = getattr(connections[using], "_surrogate_pending", None)
    if state is None or state.done:
        return
    if _in_transaction(using):
        transaction.on_commit(lambda: _process(state), using=using, robust=True)
    else:
        _process(state)


_deferred = contextvars.ContextVar("surrogates_deferred", default=None)


@contextlib.contextmanager
def deferred():
    """Bump what the transactions inside change once, at the end: an import
    committing thousands of articles one by one gives each key one new
    version per batch instead of one per article."""
    batch = _Batch()
    token = _deferred.set(batch)
    try:
        yield
    finally:
        _deferred.reset(token)
        # The finishers read what the batch's transactions left, once for
        # all of them (an article changed twice is read once, as it is now).
        bump(batch | _finish(batch.states))
        for callback in batch.at_end.values():
            callback()


class _Batch(set):
    """The keys of a :func:`deferred` block, the committed states whose
    finishers wait for its end, and what else waits for it."""

    def __init__(self):
        super().__init__()
        self.states = []
        self.at_end = {}


def at_batch_end(name, callback):
    """Inside :func:`deferred`, call ``callback`` once at its end (the last
    one given under ``name``) and answer True; elsewhere answer False."""
    batch = _deferred.get()
    if batch is None:
        return False
    batch.at_end[name] = callback
    return True


def _process(state):
    if state.done:
        return
    state.done = True
    batch = _deferred.get()
    if batch is not None:
        batch.update(state.keys)
        batch.states.append(state)
    else:
        bump(set(state.keys) | _finish([state]))


def _finish(states):
    """The keys the finishers of ``states`` name, each finisher called once
    with the states it finishes."""
    keys = set()
    finishers = {}
    for state in states:
        for finish in state.finishers:
            finishers.setdefault(finish, []).append(state)
    for finish, its_states in finishers.items():
        keys.update(finish(its_states))
    return keys
