"""Page-numbered listings that stay fast at any depth.

Readers and search engines get ordinary ``?page=N`` addresses, but page N is not
fetched with ``OFFSET (N-1)*20``: at 100,000 articles that makes the database walk
and throw away 99,980 rows for the last page. Instead the listing's *page
boundaries* — the ``(publish_at, id)`` of the first article on every page — are
computed once with a single index-ordered window query (``ROW_NUMBER()``, keeping
every 20th row) and cached. Page N is then a keyset ("seek") query:
``WHERE (publish_at, id) <= boundary[N] ORDER BY publish_at DESC, id DESC
LIMIT 20``, which reads 20 index entries whatever N is. The number of pages is the
number of boundaries, so there is no ``COUNT(*)`` per request either.

The cache key carries the time of the latest change to any article, so an edit,
a publication or an unpublication recomputes the boundaries; an article that
becomes public because its scheduled time passes (no row changes) shifts deeper
pages by one row for at most ``CACHE_SECONDS``. Page 1 never uses a boundary, so
the newest article always appears at once.

A page number that is not a positive integer or is past the last page raises
``Http404``, so readers get the 404 page and never a 500.
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from publication.numbers import parse_number

from .models import Article

CACHE_SECONDS = 300


def latest_change():
    """The newest ``updated_at`` of any article (index ``article_updated``)."""
    return Article.objects.aggregate(latest=Max("updated_at"))["latest"]


def page_number(request):
    """The requested page, or 404 for anything but a positive integer."""
    number = parse_number(request.GET.get("page", "1"))
    if number is None or number < 1:
        raise Http404("No such page")
    return number


class KeysetPaginator(Paginator):
    """A Paginator over a newest-first article queryset, by keyset seeks.

    ``queryset`` must not be sliced or ordered by anything but newest first.
    """

    def __init__(self, queryset, per_page, *, cache_key):
        super().__init__(queryset, per_page, allow_empty_first_page=True)
        self.cache_key = cache_key
        self._boundaries = None

    @property
    def boundaries(self):
        if self._boundaries is None:
            stamp = latest_change()
            digest = hashlib.sha256(
                f"{self.cache_key}|{stamp}|{self.per_page}".encode()
            ).hexdigest()[:32]
            key = f"listing-pages:{digest}"
            boundaries = cache.get(key)
            if boundaries is None:
                boundaries = self._compute_boundaries()
                cache.set(key, boundaries, CACHE_SECONDS)
            self._boundaries = boundaries
        return self._boundaries

    def _compute_boundaries(self):
        ordered = self.object_list.order_by()
        rows = (
            ordered.annotate(
                row=Window(
                    RowNumber(), order_by=[F("publish_at").desc(), F("pk").desc()]
                )
            )
            .annotate(slot=(F("row") - 1) % self.per_page)
            .filter(slot=0)
            .order_by("-publish_at", "-pk")
            .values_list("publish_at", "pk")
        )
        return list(rows)

    @property
    def count(self):
        # Only used for display ("page N of M"): an upper bound is enough.
        return len(self.boundaries) * self.per_page

    @property
    def num_pages(self):
        return max(1, len(self.boundaries))

    def page(self, number):
        number = int(number)
        if number < 1 or number > self.num_pages:
            raise Http404("No such page")
        queryset = self.object_list.order_by("-publish_at", "-pk")
        if number > 1:
            publish_at, pk = self.boundaries[number - 1]
            queryset = queryset.filter(
                Q(publish_at__lt=publish_at) | Q(publish_at=publish_at, pk__lte=pk)
            )
        return Page(list(queryset[: self.per_page]), number, self)
