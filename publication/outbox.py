"""Every app that stores e-mails before sending them (reprints, the editorial
desk) registers here what it still has to send, as do the Varnish purges
(``publication.purge``), so one cron command — ``manage.py
send_pending_notifications`` — retries them all."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

# How long one worker may hold a stored e-mail while it sends; after that (a
# crash) another may try.
CLAIM_SECONDS = 300

_sources = []


def register(source):
    """``source()`` yields ``(deliver, pk)`` pairs: ``deliver(pk)`` sends one
    stored e-mail unless it was sent, and returns whether it sent it. A source
    may tidy up first (make a digest, drop expired counters)."""
    if source not in _sources:
        _sources.append(source)


def pending():
    for source in _sources:
        yield from source()


def claim(model, pk, done_field):
    """Take the right to send for one stored row (a conditional UPDATE on its
    ``sending_until``, so two workers never both send); False when
    ``done_field`` says it was sent or another worker holds it."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk, **{f"{done_field}__isnull": True})
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .update(sending_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
