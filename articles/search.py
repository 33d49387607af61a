"""Full-text search over public articles, one interface for two databases.

PostgreSQL: a stored generated ``tsvector`` column ``articles_article.search_vector``
(title weight A, standfirst B, body C; English configuration) with a GIN index,
both created by migration 0004. Queries use ``websearch_to_tsquery`` (quoted
phrases, ``-exclusion``, ``or``), ``ts_rank`` and ``ts_headline``.

SQLite: an FTS5 table ``articles_article_fts`` with external content on
``articles_article``, kept in step by triggers (migration 0004). ``bm25()`` ranks
with the title weighted highest; ``snippet()`` highlights. The reader's web-search
syntax is translated into FTS5 syntax here, quoting every term, so no user text
ever reaches ``MATCH`` as an operator.

``search(text, ...)`` returns a :class:`SearchResults`: a lazy, sliceable sequence
with ``count()`` (so Django's Paginator takes it), whose articles carry
``search_rank`` and ``search_snippet`` (safe HTML, matches in ``<mark>``).
Only ``Article.objects.published()`` is ever searched.
"""

import html
import re

from django import forms
from django.db import connection
from django.db.models import F, Prefetch
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from authors.models import Author
from regions.models import Region
from themes.models import Theme

from .models import Article, Authorship
from .selectors import with_public_articles

MAX_QUERY_LENGTH = 200
START, STOP = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_TAG = re.compile(r"<[^>]*>")


def clean_query(text):
    """The query as searched: no control characters, at most 200 characters."""
    text = _CONTROL.sub(" ", text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def parse_websearch(text):
    """Split web-search syntax into ``(kind, words)`` clauses.

    ``kind`` is ``"and"``, ``"or"`` (joins to the previous clause) or ``"not"``;
    ``words`` is a tuple of plain words (a phrase when more than one).
    """
    clauses = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negate, phrase, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or" and clauses:
                pending_or = True
                continue
            negate = "-" if bare.startswith("-") else ""
            phrase = bare.lstrip("-")
        words = tuple(re.findall(r"\w+", phrase))
        if not words:
            continue
        if negate:
            clauses.append(("not", words))
        elif pending_or and clauses and clauses[-1][0] != "not":
            clauses.append(("or", words))
        else:
            clauses.append(("and", words))
        pending_or = False
    return clauses


def fts5_expression(text):
    """An FTS5 MATCH expression for web-search text, or None if nothing to find."""

    def quoted(words):
        return '"' + " ".join(words).replace('"', '""') + '"'

    positive = []  # groups of OR-ed phrases, AND-ed together
    negative = []
    for kind, words in parse_websearch(text):
        if kind == "not":
            negative.append(quoted(words))
        elif kind == "or" and positive:
            positive[-1].append(quoted(words))
        else:
            positive.append([quoted(words)])
    if not positive:
        return None
    expression = " AND ".join(
        "(" + " OR ".join(group) + ")" if len(group) > 1 else group[0]
        for group in positive
    )
    for phrase in negative:
        expression = f"({expression}) NOT {phrase}"
    return expression


def highlight(raw, fallback=""):
    """Safe HTML from a snippet with START/STOP markers around matches."""
    text = raw or ""
    text = _TAG.sub(" ", text)
    # A snippet may start or end inside a tag.
    text = re.sub(r"^[^<]*?>", "", text) if ">" in text.split("<")[0] else text
    text = re.sub(r"<[^>]*$", "", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    if START not in text:
        text = fallback
    escaped = html.escape(text)
    escaped = escaped.replace(START, "<mark>").replace(STOP, "</mark>")
    # Markers left unbalanced by truncation.
    if escaped.count("<mark>") != escaped.count("</mark>"):
        escaped = escaped.replace("<mark>", "").replace("</mark>", "")
    return mark_safe(escaped)  # noqa: S308 - every character escaped above


class SearchForm(forms.Form):
    """The search box and its filters; a bad filter value is ignored, not fatal."""

    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    region = forms.ModelChoiceField(
        Region.objects.all(),
        label=_("Region"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any region"),
    )
    theme = forms.ModelChoiceField(
        Theme.objects.all(),
        label=_("Theme"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any theme"),
    )
    author = forms.ModelChoiceField(
        with_public_articles(Author).order_by("name", "pk"),
        label=_("Author"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any author"),
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = data.copy()
            for key in list(data):
                data.setlist(key, [_CONTROL.sub("", v) for v in data.getlist(key)])
        super().__init__(data, **kwargs)

    def query_text(self):
        return clean_query(self.data.get("q", ""))

    def filters(self):
        """The filter values that are valid (None for the rest)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: cleaned.get(name) or None
            for name in ("region", "theme", "author", "since", "until")
            if name not in self.errors
        } | {
            name: None
            for name in ("region", "theme", "author", "since", "until")
            if name in self.errors
        }


def tagged_article_ids(*, tag_ids=None, tag_slug=None):
    """A subquery of the ids of articles with one of these tags.

    Goes through taggit's TaggedItem directly: filtering on ``Article.tags``
    makes taggit use a compiler method Django 6.1 deprecates.
    """
    items = Article.tags.through.objects.filter(
        content_type__app_label="articles", content_type__model="article"
    )
    if tag_ids is not None:
        items = items.filter(tag_id__in=tag_ids)
    if tag_slug is not None:
        items = items.filter(tag__slug=tag_slug)
    return items.values("object_id")


def filtered_articles(*, region=None, theme=None, author=None, since=None, until=None):
    """Published articles narrowed by the search filters (None: no filter)."""
    articles = Article.objects.published()
    if region is not None:
        articles = articles.filter(
            pk__in=Article.regions.through.objects.filter(region=region).values(
                "article_id"
            )
        )
    if theme is not None:
        articles = articles.filter(
            pk__in=Article.themes.through.objects.filter(theme=theme).values(
                "article_id"
            )
        )
    if author is not None:
        articles = articles.filter(
            pk__in=Authorship.objects.filter(author=author).values("article_id")
        )
    if since is not None:
        articles = articles.filter(publish_at__date__gte=since)
    if until is not None:
        articles = articles.filter(publish_at__date__lte=until)
    return articles


def _listing_prefetch():
    return Prefetch(
        "authorships",
        queryset=Authorship.objects.select_related("author").order_by("position"),
    )


class SearchResults:
    """Ranked public articles matching a query; slice it to run the search."""

    def __init__(self, text, articles):
        self.text = text
        self.articles = articles
        self._count = None

    def count(self):
        if self._count is None:
            self._count = self._count_matches()
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("Search results are read a page at a time.")
        offset = item.start or 0
        limit = (item.stop - offset) if item.stop is not None else 1000
        if limit <= 0:
            return []
        return self._page(offset, limit)

    # PostgreSQL --------------------------------------------------------------

    def _pg_query(self):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(self.text, search_type="websearch", config="english")

    def _pg_matches(self):
        """Matching rows; ``search_vector @@ query`` is what the GIN index serves."""
        from django.contrib.postgres.search import SearchVectorField

        vector = RawSQL(
            '"articles_article"."search_vector"', [], output_field=SearchVectorField()
        )
        return self.articles.annotate(search_vector=vector).filter(
            search_vector=self._pg_query()
        )

    def _pg_queryset(self):
        from django.contrib.postgres.search import SearchHeadline, SearchRank

        query = self._pg_query()
        return self._pg_matches().annotate(
            search_rank=SearchRank(F("search_vector"), query),
            raw_snippet=SearchHeadline(
                "body",
                query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=1,
            ),
        )

    # SQLite ------------------------------------------------------------------

    # The filters are joined as ``+rowid IN (...)``: the unary plus keeps SQLite
    # from handing every listed rowid to FTS5 as its own lookup (one MATCH per
    # public article: 15 s at 100,000 articles, against 70 ms this way).
    def _fts_filter(self):
        expression = fts5_expression(self.text)
        if expression is None:
            return None
        sql, params = self.articles.values("pk").query.sql_with_params()
        return expression, sql, params

    def _count_matches(self):
        if connection.vendor == "postgresql":
            return self._pg_matches().count()
        parts = self._fts_filter()
        if parts is None:
            return 0
        expression, sql, params = parts
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM articles_article_fts "
                f"WHERE articles_article_fts MATCH %s AND +rowid IN ({sql})",
                [expression, *params],
            )
            return cursor.fetchone()[0]

    def _page(self, offset, limit):
        if connection.vendor == "postgresql":
            rows = list(
                self._pg_queryset()
                .defer("body")
                .prefetch_related(_listing_prefetch())
                .order_by("-search_rank", "-publish_at", "-pk")[offset : offset + limit]
            )
            for article in rows:
                article.search_snippet = highlight(
                    article.raw_snippet, article.standfirst
                )
            return rows
        parts = self._fts_filter()
        if parts is None:
            return []
        expression, sql, params = parts
        # bm25 weights: title 10, standfirst 4, body 1; lower scores rank higher.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, bm25(articles_article_fts, 10.0, 4.0, 1.0) AS score, "
                f"snippet(articles_article_fts, 2, '{START}', '{STOP}', ' … ', 30) "
                "FROM articles_article_fts "
                f"WHERE articles_article_fts MATCH %s AND +rowid IN ({sql}) "
                "ORDER BY score, rowid DESC LIMIT %s OFFSET %s",
                [expression, *params, limit, offset],
            )
            hits = cursor.fetchall()
        by_pk = (
            Article.objects.filter(pk__in=[pk for pk, _, _ in hits])
            .defer("body")
            .prefetch_related(_listing_prefetch())
            .in_bulk()
        )
        rows = []
        for pk, score, snippet in hits:
            article = by_pk.get(pk)
            if article is None:
                continue
            article.search_rank = -score
            article.search_snippet = highlight(snippet, article.standfirst)
            rows.append(article)
        return rows


def search(text, **filters):
    """Public articles matching web-search ``text``, best first."""
    return SearchResults(clean_query(text), filtered_articles(**filters))


SQLITE_TRIGGERS = {
    "articles_article_fts_insert": """
        CREATE TRIGGER articles_article_fts_insert
        AFTER INSERT ON articles_article BEGIN
            INSERT INTO articles_article_fts(rowid, title, standfirst, body)
            VALUES (new.id, new.title, new.standfirst, new.body);
        END""",
    "articles_article_fts_delete": """
        CREATE TRIGGER articles_article_fts_delete
        AFTER DELETE ON articles_article BEGIN
            INSERT INTO articles_article_fts(articles_article_fts, rowid, title,
                standfirst, body)
            VALUES ('delete', old.id, old.title, old.standfirst, old.body);
        END""",
    "articles_article_fts_update": """
        CREATE TRIGGER articles_article_fts_update
        AFTER UPDATE ON articles_article BEGIN
            INSERT INTO articles_article_fts(articles_article_fts, rowid, title,
                standfirst, body)
            VALUES ('delete', old.id, old.title, old.standfirst, old.body);
            INSERT INTO articles_article_fts(rowid, title, standfirst, body)
            VALUES (new.id, new.title, new.standfirst, new.body);
        END""",
}


def ensure_sqlite_fts(using="default"):
    """Re-create missing FTS5 triggers and rebuild the index (SQLite only).

    SQLite rebuilds a table for most ALTER TABLEs, which drops its triggers;
    connect this to post_migrate so a later migration of articles_article
    cannot leave the search index silently stale.
    """
    from django.db import connections

    target = connections[using]
    if target.vendor != "sqlite":
        return
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name = 'articles_article_fts'"
        )
        if cursor.fetchone() is None:
            return  # migration 0004 has not run yet
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        missing = [sql for name, sql in SQLITE_TRIGGERS.items() if name not in present]
        for statement in missing:
            cursor.execute(statement)
        if missing:
            cursor.execute(
                "INSERT INTO articles_article_fts(articles_article_fts) "
                "VALUES ('rebuild')"
            )
