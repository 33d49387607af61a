"""When the next scheduled change to a live article is due, as this process
last looked (see ``middleware``): a few seconds' memo, so a request costs no
query until then."""

import time

from django.db.models import Min

from articles.models import Article

CHECK_SECONDS = 5
_memo = {"next_due": None, "checked": 0.0}


def next_due():
    """The earliest ``pending_change_at``, looked up at most every
    CHECK_SECONDS."""
    if time.monotonic() - _memo["checked"] > CHECK_SECONDS:
        # The filter lets the partial index answer (a scan of the whole table
        # otherwise).
        _memo["next_due"] = Article.objects.filter(
            pending_change_at__isnull=False
        ).aggregate(next=Min("pending_change_at"))["next"]
        _memo["checked"] = time.monotonic()
    return _memo["next_due"]


def forget():
    """Look again at the next request (after scheduling in this process)."""
    _memo.update(next_due=None, checked=0.0)


def hold_off():
    """Do not look until ``forget()`` (for tests that count queries)."""
    _memo.update(next_due=None, checked=float("inf"))
