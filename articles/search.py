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
``search_rank`` and ``search_snippet`` (safe HTML, matches in ``<mark>``), and
not their bylines (the page's cards read those they need: ``articles.cards``).
Only ``Article.objects.published()`` is ever searched.
"""

import html
import json
import re

from django import forms
from django.db import connection
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from publication import cached

from .models import Article, Authorship
from .selectors import all_regions, all_themes, cached_readings, public_authors

MAX_QUERY_LENGTH = 200
# The most recently added matches ranked by relevance; older ones follow.
RANKED = 200
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


class SharedListIterator(forms.models.ModelChoiceIterator):
    def objects(self):
        return self.field.read()

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.objects()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.objects())


class SharedListChoiceField(forms.ModelChoiceField):
    """A choice of region, theme or author from its list in the shared cache
    (``selectors``), so the form costs no query: ``read()`` returns the
    objects."""

    iterator = SharedListIterator

    def __init__(self, read, **kwargs):
        self.read = read
        super().__init__(queryset=None, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        for obj in self.read():
            if str(getattr(obj, self.to_field_name)) == str(value):
                return obj
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice"
        )


class SearchForm(forms.Form):
    """The search box and its filters; a bad filter value is ignored, not fatal."""

    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    region = SharedListChoiceField(
        all_regions,
        label=_("Region"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any region"),
    )
    theme = SharedListChoiceField(
        all_themes,
        label=_("Theme"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any theme"),
    )
    author = SharedListChoiceField(
        public_authors,
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
        # The choices of both lists in one cache round trip.
        cached.warm("regions", "themes")

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


class SearchResults:
    """Public articles matching a query, best first; slice it to run the search.

    Ranking every match costs work in proportion to the archive (a common word
    matches a third of it), so only the ``RANKED`` most recently added matches
    are ranked: read from the top of an index ordered by id (the primary key on
    PostgreSQL, the full-text index's own rowid order on SQLite), ranked, and
    the page shown picked from them; after them come the older matches, most
    recently added first. Only the articles of the page shown are highlighted.
    :meth:`count` is exact up to ``RANKED`` matches and an estimate beyond
    (:attr:`is_estimate`): the planner's on PostgreSQL, the full-text index's
    count scaled to the public articles on SQLite.
    """

    def __init__(self, text, articles, *, scope=None):
        self.text = text
        self.articles = articles
        # Names what ``articles`` are (the filters), for cached totals.
        self.scope = scope
        self._pool = None
        self._ranked = None
        self._count = None

    def count(self):
        if self._count is None:
            pool = self.pool()
            self._count = self._estimate() if len(pool) > RANKED else len(pool)
        return self._count

    @property
    def is_estimate(self):
        """Whether :meth:`count` is an estimate (more than ``RANKED`` matches)."""
        return len(self.pool()) > RANKED

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

    def pool(self):
        """The ids of the ``RANKED + 1`` most recently added matches."""
        if self._pool is None:
            self._pool = self._newest(RANKED + 1)
        return self._pool

    def ranked(self):
        """``[(pk, rank)]`` of the ``RANKED`` most recent matches, best first."""
        if self._ranked is None:
            pks = self.pool()[:RANKED]
            self._ranked = self._rank(pks) if pks else []
        return self._ranked

    def _page(self, offset, limit):
        ranked = self.ranked()[offset : offset + limit]
        ranks = dict(ranked)
        pks = [pk for pk, _rank in ranked]
        pool = self.pool()
        if len(pool) > RANKED and offset + limit > RANKED:
            # Past the ranked ones: older matches, most recently added first.
            start = max(0, offset - RANKED)
            wanted = offset + limit - max(offset, RANKED)
            pks += self._newest(wanted, below=pool[RANKED - 1], skip=start)
        if not pks:
            return []
        rows = self._rows(pks)
        for article in rows:
            article.search_rank = ranks.get(article.pk)
        return rows

    def _listing(self, pks):
        # No bylines: the page reads those of the cards it has to render
        # (``articles.cards``).
        return Article.objects.filter(pk__in=pks).order_by().defer("body")

    def _newest(self, limit, *, below=None, skip=0):
        """The ids of up to ``limit`` matches, highest first, after ``skip`` of
        them (and only those under ``below``)."""
        if connection.vendor == "postgresql":
            matches = self._pg_matches()
            if below is not None:
                matches = matches.filter(pk__lt=below)
            ids = matches.order_by("-pk").values_list("pk", flat=True)
            return list(ids[skip : skip + limit])
        return self._fts_newest(limit, below=below, skip=skip)

    def _rank(self, pks):
        if connection.vendor == "postgresql":
            return self._pg_rank(pks)
        return self._fts_rank(pks)

    def _rows(self, pks):
        if connection.vendor == "postgresql":
            return self._pg_rows(pks)
        return self._fts_rows(pks)

    def _estimate(self):
        if connection.vendor == "postgresql":
            return max(RANKED + 1, self._pg_estimate())
        return max(RANKED + 1, self._fts_estimate())

    # PostgreSQL --------------------------------------------------------------

    def _pg_query(self):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(self.text, search_type="websearch", config="english")

    def _pg_vector(self):
        from django.contrib.postgres.search import SearchVectorField

        return RawSQL(
            '"articles_article"."search_vector"', [], output_field=SearchVectorField()
        )

    def _pg_matches(self):
        """Matching rows; ``search_vector @@ query`` is what the GIN index
        serves. An alias, not an annotation: the rows do not carry their whole
        vector back."""
        return self.articles.alias(search_vector=self._pg_vector()).filter(
            search_vector=self._pg_query()
        )

    def _pg_rank(self, pks):
        from django.contrib.postgres.search import SearchRank

        return list(
            Article.objects.filter(pk__in=pks)
            .alias(search_vector=self._pg_vector())
            .annotate(search_rank=SearchRank(F("search_vector"), self._pg_query()))
            .order_by("-search_rank", "-pk")
            .values_list("pk", "search_rank")
        )

    def _pg_rows(self, pks):
        from django.contrib.postgres.search import SearchHeadline

        rows = self._listing(pks).annotate(
            raw_snippet=SearchHeadline(
                "body",
                self._pg_query(),
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=1,
            )
        )
        by_pk = {article.pk: article for article in rows}
        found = [by_pk[pk] for pk in pks if pk in by_pk]
        for article in found:
            article.search_snippet = highlight(article.raw_snippet, article.standfirst)
        return found

    def _pg_estimate(self):
        """The planner's estimate of the matches (EXPLAIN: no row is read)."""
        query = self._pg_matches().order_by().values("pk").query
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    # SQLite ------------------------------------------------------------------

    def _fts_expression(self):
        if not hasattr(self, "_expression"):
            self._expression = fts5_expression(self.text)
        return self._expression

    def _fts_newest(self, limit, *, below=None, skip=0):
        # The full-text index hands its matches out highest rowid first by
        # itself; each is joined to its article row by id and kept if public
        # (and within the filters), until there are enough: no sort, and no
        # more of the index read than that.
        expression = self._fts_expression()
        if expression is None:
            return []
        sql, params = self.articles.order_by().values("pk").query.sql_with_params()
        under = "AND articles_article_fts.rowid < %s " if below is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT public.pk FROM articles_article_fts "
                f"CROSS JOIN ({sql}) AS public "
                "ON public.pk = articles_article_fts.rowid "
                f"WHERE articles_article_fts MATCH %s {under}"
                "ORDER BY articles_article_fts.rowid DESC LIMIT %s OFFSET %s",
                [
                    *params,
                    expression,
                    *([below] if below is not None else []),
                    limit,
                    skip,
                ],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _fts_rank(self, pks):
        # ``rowid BETWEEN`` lets FTS5 read only the stretch of its index the
        # ids span; ``+rowid IN (...)`` (the unary plus) keeps SQLite from
        # handing each listed id to FTS5 as a lookup of its own (a MATCH for
        # each, 2 ms apiece). bm25 weights: title 10, standfirst 4, body 1;
        # lower scores rank higher.
        placeholders = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, bm25(articles_article_fts, 10.0, 4.0, 1.0) AS score "
                "FROM articles_article_fts WHERE articles_article_fts MATCH %s "
                "AND rowid BETWEEN %s AND %s "
                f"AND +rowid IN ({placeholders}) ORDER BY score, rowid DESC",
                [self._fts_expression(), min(pks), max(pks), *pks],
            )
            return [(pk, -score) for pk, score in cursor.fetchall()]

    def _fts_rows(self, pks):
        placeholders = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            # The snippets of the page shown, and no others.
            cursor.execute(
                f"SELECT rowid, snippet(articles_article_fts, 2, '{START}', "
                f"'{STOP}', ' … ', 30) FROM articles_article_fts "
                "WHERE articles_article_fts MATCH %s "
                "AND rowid BETWEEN %s AND %s "
                f"AND +rowid IN ({placeholders})",
                [self._fts_expression(), min(pks), max(pks), *pks],
            )
            snippets = dict(cursor.fetchall())
        by_pk = self._listing(pks).in_bulk()
        found = [by_pk[pk] for pk in pks if pk in by_pk]
        for article in found:
            article.search_snippet = highlight(
                snippets.get(article.pk), article.standfirst
            )
        return found

    def _fts_estimate(self):
        """The index's count of the matching articles of any status, scaled by
        the share of all articles that are public and within the filters. Both
        are cached readings under the listing stamp."""

        def total():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM articles_article_fts "
                    "WHERE articles_article_fts MATCH %s",
                    [self._fts_expression()],
                )
                return cursor.fetchone()[0]

        def shares():
            return self.articles.count(), Article.objects.count()

        if self.scope is None:
            return round(total() * _ratio(*shares()))
        readings = cached_readings(
            {
                f"fts-total:{self._fts_expression()}": total,
                f"search-scope:{self.scope}": shares,
            }
        )
        matching, (shown, every) = readings.values()
        return round(matching * _ratio(shown, every))


def _ratio(part, whole):
    return part / whole if whole else 0


def search(text, **filters):
    """Public articles matching web-search ``text``, best first."""
    scope = "|".join(
        f"{name}={getattr(value, 'pk', value)}"
        for name, value in sorted(filters.items())
    )
    return SearchResults(
        clean_query(text), filtered_articles(**filters), scope=f"site:{scope}"
    )


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
