"""Scheduled changes to live articles reach readers at their time, with no cron:
the first request after a draft's time publishes it, as ``published()`` shows a
scheduled article at its time; and the first request after a scheduled
article's time tells the caches it is public (its keys are bumped).

Each process remembers for a few seconds when the next one is due (``due``), so
a request costs no query until then; something scheduled in another process is
seen within ``due.CHECK_SECONDS``. It sits above the page cache, so no cached
page is answered while a change is due.
"""

from django.utils import timezone

from . import due
from .services import announce_due_publications, apply_due_changes


class ApplyDueChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        when = due.next_due()
        if when is not None and when <= now:
            apply_due_changes(now)
            announce_due_publications(now)
            due.forget()
        return self.get_response(request)
