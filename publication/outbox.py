"""Every app that stores e-mails before sending them (reprints, the editorial
desk) registers here what it still has to send, so one cron command —
``manage.py send_pending_notifications`` — retries them all."""

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
