"""Scheduled changes to live articles reach readers at their time, with no cron:
the first request after a draft's time publishes it, as ``published()`` shows a
scheduled article at its time.

Each process remembers for a few seconds when the next change is due
(``due``), so a request costs no query until then; a change scheduled in another
process is seen within ``due.CHECK_SECONDS``.
"""

from django.utils import timezone

from . import due
from .services import apply_due_changes


class ApplyDueChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        when = due.next_due()
        if when is not None and when <= now:
            apply_due_changes(now)
            due.forget()
        return self.get_response(request)
