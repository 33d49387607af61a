"""Page-numbered listings that stay fast at any depth.

Readers and search engines get ordinary ``?page=N`` addresses, but page N is not
fetched with ``OFFSET (N-1)*20``: at 100,000 articles that makes the database walk
and throw away 99,980 rows for the last page. Instead the listing's *page
boundaries* — the ``(publish_at, id)`` of the first article on every page — are
computed once with a single index-ordered window query (``ROW_NUMBER()``, keeping
every 20th row) and cached. Page N is then a keyset ("seek") query:
``WHERE (publish_at, id) <= boundary[N] ORDER BY publish_at DESC, id DESC
LIMIT 20``, which reads 20 index entries whatever N is. The comparison is one row
value (:class:`RowCompare`): spelt ``publish_at < X OR (publish_at = X AND id <=
Y)`` the database cannot start an index scan at the boundary, and walks every
newer row (68,000 for a deep page at 100,000 articles on PostgreSQL). The number
of pages is the number of boundaries, so there is no ``COUNT(*)`` per request
either.

The boundaries are a cached reading (:func:`articles.selectors.cached_reading`)
under the listing stamp, which changes with every edit,
publication, unpublication, deletion and change of an article's authors,
subjects or tags, and when a scheduled article's time passes: a request reads
them from the cache unless something changed, and only then pays for the window
(one pass over the listing's index entries). Page 1 never uses a boundary, so
the newest article always appears at once.

A page number that is not a positive integer or is past the last page raises
``Http404``, so readers get the 404 page and never a 500.
"""

from django.core.paginator import Page, Paginator
from django.db.models import F, Field, Func, Lookup, Value, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from publication.numbers import parse_number

from .selectors import cached_reading


class Row(Func):
    """``(a, b, ...)``: a row value."""

    function = ""
    output_field = Field()


class RowCompare(Lookup):
    """``(a, b) <op> (x, y)`` in SQL: a row-value comparison, which PostgreSQL and
    SQLite (3.15 and later) answer with one range scan of an index on ``(a, b)``.

    ``RowCompare(["publish_at", "pk"], "<=", [when, pk])``. A lookup rather
    than a boolean expression, so SQLite gets no ``= 1`` after it (which would
    hide it from the index).
    """

    OPERATORS = {"<", "<=", ">", ">="}

    def __init__(self, fields, operator, values):
        if operator not in self.OPERATORS or len(fields) != len(values):
            raise ValueError("RowCompare needs fields and values of one length.")
        self.operator = operator
        super().__init__(
            Row(*[F(field) if isinstance(field, str) else field for field in fields]),
            Row(*[Value(value) for value in values]),
        )

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} {self.operator} {rhs}", (*lhs_params, *rhs_params)


def at_or_before(publish_at, pk):
    """The article at ``(publish_at, pk)`` and every one after it, newest first."""
    return RowCompare(["publish_at", "pk"], "<=", [publish_at, pk])


def before(publish_at, pk):
    """Every article after ``(publish_at, pk)``, newest first."""
    return RowCompare(["publish_at", "pk"], "<", [publish_at, pk])


def seek(queryset, position):
    """``queryset`` from ``position`` on (:func:`at_or_before`, :func:`before`).

    The position is tested before the filters already there: SQLite bounds an
    index range by the first upper bound it meets on a column, and
    ``published()`` has one already (``publish_at <= now``), which would make
    it walk down from the newest article to the position.
    """
    queryset = queryset.filter(position)
    where = queryset.query.where
    where.children.insert(0, where.children.pop())
    return queryset


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
            self._boundaries = cached_reading(
                f"pages:{self.cache_key}:{self.per_page}", self._compute_boundaries
            )
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
        number = parse_number(str(number))
        if number is None or number < 1 or number > self.num_pages:
            raise Http404("No such page")
        queryset = self.object_list.order_by("-publish_at", "-pk")
        if number > 1:
            queryset = seek(queryset, at_or_before(*self.boundaries[number - 1]))
        return Page(list(queryset[: self.per_page]), number, self)
