"""Reads several public surfaces share: which regions, themes, reports, authors
or tags a reader may be shown, decided by ``Article.objects.published()``; and
the lists of regions, themes and reports, kept whole in the shared cache."""

import functools
import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.utils import timezone
from taggit.models import Tag

from authors.models import Author
from publication import cached, surrogates
from regions.models import Region
from themes.models import Theme

from .models import (
    SUBJECT_LOOKUPS,
    Article,
    Authorship,
    Correction,
    InDepthReport,
    ReportArticle,
    TaggedArticle,
)


def latest_changes(*, authors=False):
    """``(edited, published, author)``: the newest edit of any article, the
    newest publication time that has passed, and (with ``authors``) the newest
    edit of an author, None where there is none. One query, each value read
    from the top of an index (``article_updated``, ``article_public``); once a
    request."""
    with_authors = cached.per_request(("latest-changes", True), None)
    if with_authors is not None:
        return with_authors  # the validators asked already
    return cached.per_request(
        ("latest-changes", authors), lambda: _latest_changes(authors)
    )


def _latest_changes(authors):
    published = (
        Article.objects.published().order_by("-publish_at").values("publish_at")[:1]
    )
    author = Author.objects.order_by("-updated_at").values("updated_at")[:1]
    columns = [Subquery(published)] + ([Subquery(author)] if authors else [])
    newest_edit = Article.objects.order_by("-updated_at").values("pk")[:1]
    rows = list(
        Article.objects.filter(pk=Subquery(newest_edit)).values_list(
            "updated_at", *columns
        )[:1]
    )
    if rows:
        edited, published_at, *rest = rows[0]
        return edited, published_at, rest[0] if rest else None
    # No article at all.
    newest_author = list(author) if authors else []
    return None, None, newest_author[0]["updated_at"] if newest_author else None


# Readings of the public listings that cost work proportional to the archive
# (page boundaries, article counts per subject, the sitemap's files) are cached
# under a stamp that changes with anything they depend on: an article saved
# (its ``updated_at``), a publication time passing (the newest public
# ``publish_at``), and, through the receivers in ``articles.apps``, an article
# deleted or its authors, subjects or tags changed (the generation).
GENERATION_KEY = "listings-generation"
READING_SECONDS = 3600
# More public articles than this under a subject: its newest are found down the
# newest-first index; fewer, by gathering them (``newest_public_about``).
FEW_SHARING = 1000


def listings_changed(**kwargs):
    """Receiver: an article was deleted or its relations changed. Set now and
    again once the transaction commits (a reader in between may have stored
    what it read before the change)."""

    if kwargs.get("action", "post").startswith("pre"):
        return  # m2m_changed's pre_add and the like: wait for the change

    def bump():
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)

    if surrogates.at_batch_end("listings-generation", bump):
        return  # an import's batch: once, when its posts have committed
    bump()
    transaction.on_commit(bump)


def listing_stamp(generation):
    """What the cached readings of the listings depend on, given the
    generation: the newest edit and the newest publication time passed."""
    edited, published, _author = latest_changes()
    return f"{generation}|{edited}|{published}"


def cached_readings(computers):
    """``{name: value}`` for ``{name: compute}``: each value as computed under
    the current listing stamp, from the cache when it was stored under that
    stamp, else computed and stored. One query (two index tops) and one cache
    read for all of them."""
    keys = {name: f"listing-reading:{_digest(name)}" for name in computers}
    found = cache.get_many([*keys.values(), GENERATION_KEY])
    stamp = listing_stamp(found.get(GENERATION_KEY))
    values, stale = {}, {}
    for name, compute in computers.items():
        entry = found.get(keys[name])
        if entry is not None and entry[0] == stamp:
            values[name] = entry[1]
        else:
            values[name] = compute()
            stale[keys[name]] = (stamp, values[name])
    if stale:
        cache.set_many(stale, READING_SECONDS)
    return values


def cached_reading(name, compute):
    """One of :func:`cached_readings`."""
    return cached_readings({name: compute})[name]


def _digest(name):
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _filed_under():
    """Per kind of subject: the table filing articles under it, and its
    columns for the article and the subject."""
    return {
        "regions.region": (Article.regions.through, "article", "region_id"),
        "themes.theme": (Article.themes.through, "article", "theme_id"),
        "articles.indepthreport": (ReportArticle, "article", "report_id"),
        "authors.author": (Authorship, "article", "author_id"),
        "taggit.tag": (TaggedArticle, "content_object", "tag_id"),
    }


FILED_UNDER = _filed_under()


def public_article_counts(*models):
    """``{pk: number of public articles}`` for each region, theme, report,
    author or tag (of ``models``' kind) that has one; for several models, a
    list of those dicts.

    One grouped query over the table filing articles under that kind of
    subject (about 100 ms for regions on SQLite at 100,000 articles), so each
    is kept under the listing stamp: a request reads them from the cache, in
    one read, unless something changed."""
    computers = {}
    for model in models:
        through, article, subject = FILED_UNDER[model._meta.label_lower]

        def compute(through=through, article=article, subject=subject):
            rows = (
                through.objects.filter(
                    **{f"{article}__in": Article.objects.published()}
                )
                .order_by()
                .values_list(subject)
                .annotate(count=Count("pk"))
            )
            return dict(rows)

        computers[f"counts:{model._meta.label_lower}"] = compute
    counts = list(cached_readings(computers).values())
    return counts[0] if len(models) == 1 else counts


def kept_with_version(key, place, compute):
    """``compute()``, kept in the cache at ``place`` with the version of the
    surrogate key ``key`` it was computed under, and used only while the key
    has that version (read together, in one round trip); once a request."""

    def read():
        current, found = surrogates.versions_and_entries([key], [place])
        token = current[key][0]
        entry = found.get(place)
        if entry is not None and entry[0] == token:
            return entry[1]
        value = compute()
        cache.set(place, (token, value), READING_SECONDS)
        return value

    return cached.per_request(("kept-with-version", place), read)


def public_authors():
    """Every author with a public article, by name (the search form's choice):
    kept with the version of ``listings``, which a change to any public
    article and any author's rename bump."""
    return kept_with_version(
        surrogates.LISTINGS,
        "public-authors",
        lambda: list(with_public_articles(Author).order_by("name", "pk")),
    )


def newest_public_about(subjects, count):
    """``{key: [(publish_at, pk), ...]}``: the ``count`` newest public articles
    filed under each of ``subjects`` (regions, themes, reports, authors or
    tags), newest first, keyed by the subject's surrogate key.

    Each list is kept in the cache with the version of its subject's key it
    was read under, and used only while the key still has that version: every
    change to the subject's public articles bumps it (a save, an unpublish, a
    deletion, a scheduled article going public), so a list used is never
    stale. The versions and the lists are read in one cache round trip. The
    version is read before the list is computed: a list read from rows a
    change has already touched is stored with a version that change has made
    old, at worst. The lists missing from the cache are read in one query,
    whatever their number.
    """
    by_key = {surrogates.key_for(subject): subject for subject in subjects}
    if not by_key:
        return {}
    places = {name: f"newest-about:{name}:{count}" for name in by_key}
    current, found = surrogates.versions_and_entries(by_key, places.values())
    lists = {}
    for name, place in places.items():
        entry = found.get(place)
        if entry is not None and entry[0] == current[name][0]:
            lists[name] = entry[1]
    missing = {name: by_key[name] for name in by_key if name not in lists}
    if missing:
        computed = _newest_about(missing, count)
        lists.update(computed)
        cache.set_many(
            {places[name]: (current[name][0], rows) for name, rows in computed.items()},
            READING_SECONDS,
        )
    return lists


def _newest_about(subjects, count):
    """``{key: [(publish_at, pk), ...]}`` for ``{key: subject}``, in one query:
    a union of each subject's newest, each sliced inside its own ``IN`` (SQLite
    allows no ``LIMIT`` in a member of a union).

    Each is found down the newest-first index, testing each article for the
    subject (``EXISTS``), which stops after a few rows when many share it; when
    few do (by the cached counts), their ids are gathered instead (``IN``),
    which reads no more than them on PostgreSQL."""
    models = list(dict.fromkeys(type(subject) for subject in subjects.values()))
    counts = dict(zip(models, _as_list(public_article_counts(*models)), strict=True))
    public = Article.objects.published().newest_first()
    members = []
    for name, subject in subjects.items():
        model = type(subject)
        through, article_column, column = FILED_UNDER[model._meta.label_lower]
        article_column = f"{article_column}_id"
        sharing = through.objects.filter(**{column: subject.pk})
        if counts[model].get(subject.pk, 0) > FEW_SHARING:
            sharing = sharing.filter(**{article_column: OuterRef("pk")})
            newest = public.filter(Exists(sharing))
        else:
            newest = public.filter(pk__in=sharing.values(article_column))
        members.append(
            Article.objects.filter(pk__in=newest.values("pk")[:count])
            .order_by()
            .annotate(about=Value(name))
            .values_list("about", "publish_at", "pk")
        )
    lists = {name: [] for name in subjects}
    for name, publish_at, pk in members[0].union(*members[1:], all=True):
        lists[name].append((publish_at, pk))
    return {name: sorted(rows, reverse=True) for name, rows in lists.items()}


def _as_list(counts):
    """:func:`public_article_counts` gives one dict for one model."""
    return counts if isinstance(counts, list) else [counts]


def public_articles_about(model):
    """Public articles filed under the outer query's region, theme, report,
    author or tag, for ``Exists()``."""
    relation = SUBJECT_LOOKUPS[model._meta.label_lower]
    return Article.objects.published().filter(**{relation: OuterRef("pk")})


def with_public_articles(model):
    """The subjects of this kind a reader can open an article of: an author
    known only from drafts, review or scheduled work is nobody's business yet."""
    return model.objects.filter(Exists(public_articles_about(model)))


def public_tags():
    """The tags of at least one public article."""
    return with_public_articles(Tag)


def tagged_article_ids(*, tag_ids=None, tag_slug=None):
    """A subquery of the ids of articles with one of these tags."""
    items = TaggedArticle.objects.all()
    if tag_ids is not None:
        items = items.filter(tag_id__in=tag_ids)
    if tag_slug is not None:
        items = items.filter(tag__slug=tag_slug)
    return items.values("content_object_id")


@functools.cache
def _filed_under_sql(vendor):
    """The SQL of :func:`filed_under`: a union of the article's rows in each
    table filing it (names from the models' options)."""
    from django.db import connection

    quote = connection.ops.quote_name
    tag = Tag._meta
    members = [
        f"SELECT '{relation}', {quote(column)}, NULL, NULL FROM {quote(table)} "
        f"WHERE {quote('article_id')} = %s"
        for relation, table, column in (
            ("regions", Article.regions.through._meta.db_table, "region_id"),
            ("themes", Article.themes.through._meta.db_table, "theme_id"),
            ("reports", ReportArticle._meta.db_table, "report_id"),
        )
    ]
    members.append(
        f"SELECT 'tags', t.{quote('id')}, t.{quote('name')}, t.{quote('slug')} "
        f"FROM {quote(TaggedArticle._meta.db_table)} i "
        f"JOIN {quote(tag.db_table)} t ON t.{quote('id')} = i.{quote('tag_id')} "
        f"WHERE i.{quote('content_object_id')} = %s"
    )
    members.append(
        f"SELECT 'notes', {quote('id')}, NULL, NULL "
        f"FROM {quote(Correction._meta.db_table)} "
        f"WHERE {quote('article_id')} = %s AND {quote('published_at')} <= %s"
    )
    return " UNION ALL ".join(members)


def filed_under(article):
    """``{"regions": {pk, ...}, "themes": ..., "reports": ..., "tags": [Tag, ...],
    "notes": {pk, ...}}``: what files the article, with its tags (by name) and
    the ids of the notes readers see, in one query.

    Written in SQL: the same in the ORM is five querysets and a union that
    Django builds and compiles again for every page, several times the cost
    of running it."""
    from django.db import connection

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    found = {"regions": set(), "themes": set(), "reports": set(), "notes": set()}
    tags = []
    with connection.cursor() as cursor:
        cursor.execute(_filed_under_sql(connection.vendor), [article.pk] * 5 + [now])
        for relation, pk, name, slug in cursor.fetchall():
            if relation == "tags":
                tags.append(
                    Tag.from_db(
                        connection.alias, ["id", "name", "slug"], (pk, name, slug)
                    )
                )
            else:
                found[relation].add(pk)
    found["tags"] = sorted(tags, key=lambda tag: (tag.name, tag.pk))
    return found


@functools.cache
def _tags_by_name():
    # Built once: each use filters a clone of it.
    return TaggedArticle.objects.select_related("tag").order_by("tag__name")


def prefetch_tags(articles):
    """Each article's tags in one query that the ``(article, tag)`` index
    answers, set as taggit's prefetch so ``article.tags.all()`` reads them from
    memory (taggit's own prefetch asks DISTINCT)."""
    articles = list(articles)
    by_pk = {article.pk: article for article in articles}
    for article in articles:
        article._prefetched_objects_cache = getattr(
            article, "_prefetched_objects_cache", {}
        )
        article._prefetched_objects_cache["tags"] = []
    if not by_pk:
        return articles
    items = _tags_by_name().filter(content_object_id__in=list(by_pk))
    for item in items:
        by_pk[item.content_object_id]._prefetched_objects_cache["tags"].append(item.tag)
    return articles


# The lists every page may name from: small tables, read whole from the shared
# cache (``publication.cached``) and dropped when a row of them changes.


@cached.shared("regions", "regions.Region")
def all_regions():
    """Every region, in the editors' order."""
    return list(Region.objects.all())


@cached.shared("themes", "themes.Theme")
def all_themes():
    """Every theme, in the editors' order."""
    return list(Theme.objects.all())


@cached.shared("reports", "articles.InDepthReport")
def all_reports():
    """Every in-depth report, in the editors' order (public or not: pick them
    through an article that is)."""
    return list(InDepthReport.objects.all())


SUBJECT_LISTS = {"regions": all_regions, "themes": all_themes, "reports": all_reports}
