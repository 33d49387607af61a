"""Small tables many pages read, kept whole in the default cache.

The publication's identity, the notice versions and the lists of regions,
themes and reports change only when an editor saves one: each is one cache
entry, computed from the database on a miss and dropped by the
``post_save``/``post_delete`` receivers of the models it reads — at once and
again when the transaction commits, so a reader in another process that
recomputes in between cannot keep the old rows. The entry lives in the
configured default cache (Redis or the database in production), so every
process sees the change on its next read: there is no per-process copy to go
stale. A long lifetime is only a safety net.

Within one request each entry is read once (``warm()`` reads several in one
round trip); outside a request (the shell, the task worker) every call reads the
cache.
"""

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

KEY_PREFIX = "shared:"
TIMEOUT = 24 * 3600

_computers = {}
_request = Local()
_MISSING = object()


def _start(**kwargs):
    _request.values = {}


def _finish(**kwargs):
    _request.values = None


request_started.connect(_start, dispatch_uid="publication-cached-start")
request_finished.connect(_finish, dispatch_uid="publication-cached-finish")


def _memo():
    return getattr(_request, "values", None)


def shared(name, *models):
    """Register ``compute()`` as the entry ``name``, dropped whenever a row of
    one of ``models`` ("app_label.Model") is saved or deleted. Returns a
    function that reads the entry."""

    def register(compute):
        _computers[name] = compute

        def dropped(sender, **kwargs):
            _changed(name)

        for model in models:
            uid = f"cached-{name}-{model}"
            post_save.connect(dropped, sender=model, weak=False, dispatch_uid=uid)
            post_delete.connect(dropped, sender=model, weak=False, dispatch_uid=uid)

        def read():
            return get(name)

        read.__name__ = compute.__name__
        read.__doc__ = compute.__doc__
        read.compute = compute
        return read

    return register


def get(name):
    return warm(name)[name]


def warm(*names):
    """The entries ``names`` (a dict), in one cache read for all those this
    request has not read yet; missing ones are computed and stored."""
    memo = _memo()
    values = {}
    wanted = []
    for name in names:
        value = memo.get(name, _MISSING) if memo is not None else _MISSING
        if value is _MISSING:
            wanted.append(name)
        else:
            values[name] = value
    if wanted:
        found = cache.get_many([KEY_PREFIX + name for name in wanted])
        computed = {}
        for name in wanted:
            value = found.get(KEY_PREFIX + name, _MISSING)
            if value is _MISSING:
                value = computed[KEY_PREFIX + name] = _computers[name]()
            values[name] = value
        if computed:
            cache.set_many(computed, TIMEOUT)
        if memo is not None:
            for name in wanted:
                memo[name] = values[name]
    return values


def per_request(key, compute):
    """``compute()``, once per request (every call outside a request). With
    ``compute`` None: what this request computed for ``key``, or None."""
    memo = _memo()
    key = ("per-request", key)
    if compute is None:
        return memo.get(key) if memo is not None else None
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def drop(name):
    """Forget the entry (this request's copy too)."""
    memo = _memo()
    if memo is not None:
        memo.pop(name, None)
    cache.delete(KEY_PREFIX + name)


def _changed(name):
    """A row the entry reads changed: forget it now and once the transaction
    commits (a reader in between may have stored the rows before the change)."""
    drop(name)
    transaction.on_commit(lambda: drop(name))
