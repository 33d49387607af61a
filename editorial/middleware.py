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
    _memo.update(next_due=None, checked=0.0)


class ApplyDueChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        if time.monotonic() - _memo["checked"] > CHECK_SECONDS:
            _memo["next_due"] = Article.objects.aggregate(
                next=Min("pending_change_at")
            )["next"]
            _memo["checked"] = time.monotonic()
        if _memo["next_due"] is not None and _memo["next_due"] <= now:
            apply_due_changes(now)
            forget()
        return self.get_response(request)
