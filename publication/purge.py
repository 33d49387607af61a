"""Purging Varnish when something changes.

When a change commits, :data:`publication.surrogates.keys_changed` names the
surrogate keys it affects. :func:`on_keys_changed` stores them as a ``Purge``
row and enqueues :func:`publication.tasks.purge_keys`, which sends

    PURGE /
    xkey-softpurge: article-12 region-3 listings

to every Varnish in ``VARNISH_URLS`` (deploy/varnish/imprint.vcl forgets every
page carrying one of the keys) and records the row as done. The editor's
request only writes the row: the purge runs in the task worker. A purge that
fails is retried by the task queue (``RETRY_DELAYS``) and, after that, by
``manage.py send_pending_notifications`` (cron), which sends whatever the
outbox still holds; purging twice does no harm.

A soft purge expires the pages but lets Varnish keep them as the stale copies
it serves only while Django is down; ``VARNISH_PURGE=hard`` drops them.
"""

import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Purge
from .outbox import claim
from .surrogates import keys_changed

logger = logging.getLogger("imprint.purge")

TIMEOUT_SECONDS = 5
# Seconds before each new try by the task queue, after the first fails.
RETRY_DELAYS = (5, 30, 120, 600)
# Keys a PURGE request carries at most (Varnish reads headers up to 8 KB).
HEADER_BYTES = 4000


class PurgeFailed(Exception):
    pass


def connect():
    keys_changed.connect(on_keys_changed, dispatch_uid="imprint.purge")


def on_keys_changed(sender, keys, **kwargs):
    """Store the keys and enqueue their purge; nothing when no Varnish is
    configured."""
    if not settings.VARNISH_URLS or not keys:
        return None
    purge = Purge.objects.create(keys=" ".join(sorted(keys)))
    transaction.on_commit(lambda: enqueue(purge.pk))
    return purge


def enqueue(pk, delay=None):
    from .tasks import purge_keys

    task = purge_keys
    if delay is not None:
        if not task.get_backend().supports_defer:
            return  # the cron retries it
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    try:
        task.enqueue(pk)
    except Exception:
        # The row stays pending: the cron sends it.
        logger.exception("Could not enqueue purge %s", pk)


def header_values(keys):
    """The keys in groups that each fit in one request header."""
    group = []
    size = 0
    for key in keys.split():
        if group and size + len(key) + 1 > HEADER_BYTES:
            yield " ".join(group)
            group, size = [], 0
        group.append(key)
        size += len(key) + 1
    if group:
        yield " ".join(group)


def send(url, keys):
    """One PURGE to the Varnish at ``url``; raises PurgeFailed unless it
    answers 200."""
    header = "xkey-purge" if settings.VARNISH_PURGE == "hard" else "xkey-softpurge"
    for value in header_values(keys):
        request = urllib.request.Request(
            url.rstrip("/") + "/", method="PURGE", headers={header: value}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise PurgeFailed(f"{url} answered {error.code}") from error
        except OSError as error:
            raise PurgeFailed(f"{url}: {error}") from error


def deliver(pk):
    """Send one stored purge to every Varnish unless it was done; on failure
    record the error, release it for a retry and re-raise. Returns whether it
    was sent now."""
    if not claim(Purge, pk, "purged_at"):
        return False
    purge = Purge.objects.get(pk=pk)
    try:
        for url in settings.VARNISH_URLS:
            send(url, purge.keys)
    except PurgeFailed as error:
        Purge.objects.filter(pk=pk).update(
            sending_until=None, attempts=F("attempts") + 1, last_error=str(error)
        )
        raise
    Purge.objects.filter(pk=pk).update(
        purged_at=timezone.now(),
        sending_until=None,
        attempts=F("attempts") + 1,
        last_error="",
    )
    return True


def deliver_or_retry(pk):
    """The task's work: deliver, and on failure queue the next try (while
    ``RETRY_DELAYS`` lasts) before re-raising, so the task shows as failed."""
    try:
        return deliver(pk)
    except PurgeFailed:
        attempts = Purge.objects.filter(pk=pk).values_list("attempts", flat=True)
        done = attempts.first() or 0
        if done <= len(RETRY_DELAYS):
            enqueue(pk, delay=RETRY_DELAYS[done - 1])
        logger.warning("Purge %s failed (attempt %s); retrying later", pk, done)
        raise


def pending():
    """For the outbox (``send_pending_notifications``): purges not yet done.
    Drops those done more than a day ago."""
    if not settings.VARNISH_URLS:
        return
    Purge.objects.filter(purged_at__lt=timezone.now() - timedelta(days=1)).delete()
    for pk in Purge.objects.filter(purged_at__isnull=True).values_list("pk", flat=True):
        yield deliver, pk
