"""Scheduled changes to live articles reach readers at their time, with no cron:
the first request after a draft's time publishes it, as ``published()`` shows a
scheduled article at its time.

Each process remembers for a few seconds when the next change is due, so a
request costs no query until then; a change scheduled in another process is
seen within ``CHECK_SECONDS``.
"""

import time

from django.db.models import Min
from django.utils import timezone

from articles.models import Article

from .services import apply_due_changes

CHECK_SECONDS = 5
_memo = {"next_due": None, "checked": 0.0}


def forget():
    """Look again at the next request (after scheduling in this process)."""
    _memo.update(next_due=None, checked=0.0)


def hold_off():
    """Do not look until ``forget()`` (for tests that count queries)."""
    _memo.update(next_due=None, checked=float("inf"))


class ApplyDueChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        if time.monotonic() - _memo["checked"] > CHECK_SECONDS:
            # The filter lets the partial index answer (a scan of the whole
            # table otherwise).
            _memo["next_due"] = Article.objects.filter(
                pending_change_at__isnull=False
            ).aggregate(next=Min("pending_change_at"))["next"]
            _memo["checked"] = time.monotonic()
        if _memo["next_due"] is not None and _memo["next_due"] <= now:
            apply_due_changes(now)
            forget()
        return self.get_response(request)
