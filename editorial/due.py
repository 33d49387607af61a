"""When the next scheduled thing is due, as this process last looked (see
``middleware``): a scheduled change to a live article (``pending_change_at``)
or a scheduled article going public (``goes_public_at``). A few seconds' memo,
so a request costs no query until then."""

import time

from django.db.models import Min

from articles.models import Article

CHECK_SECONDS = 5
_memo = {"next_due": None, "checked": 0.0}


def next_due():
    """The earliest ``pending_change_at`` or ``goes_public_at``, looked up at
    most every CHECK_SECONDS."""
    if time.monotonic() - _memo["checked"] > CHECK_SECONDS:
        # Each filter lets its partial index answer (a scan of the whole
        # table otherwise).
        times = [
            Article.objects.filter(**{f"{field}__isnull": False}).aggregate(
                next=Min(field)
            )["next"]
            for field in ("pending_change_at", "goes_public_at")
        ]
        _memo["next_due"] = min((when for when in times if when), default=None)
        _memo["checked"] = time.monotonic()
    return _memo["next_due"]


def forget():
    """Look again at the next request (after scheduling in this process)."""
    _memo.update(next_due=None, checked=0.0)


def hold_off():
    """Do not look until ``forget()`` (for tests that count queries)."""
    _memo.update(next_due=None, checked=float("inf"))
