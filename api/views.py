"""The read API: what readers may see, as JSON, through ``published()`` only.

Every article endpoint starts from ``Article.objects.published()``, every
subject list from the same rule as its HTML page, so a draft, a scheduled
article or the working draft of a live one never shows. Each response runs a
fixed number of queries whatever the number of articles (tests/api).
"""

from datetime import UTC, date, datetime

from django.core import signing
from django.db.models import prefetch_related_objects
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Query
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from articles.addresses import Moved, get_by_slug
from articles.http import API, public
from articles.models import (
    Article,
    Authorship,
    InDepthReport,
    ReportArticle,
    bylines_prefetch,
    notes_of,
    notes_prefetch,
)
from articles.pagination import before, seek
from articles.search import SearchResults, clean_query
from articles.selectors import (
    prefetch_tags,
    public_tags,
    tagged_article_ids,
    with_public_articles,
)
from authors.models import Author
from publication.notices import notices_at
from regions.models import Region
from themes.models import Theme

from . import schemas

CURSOR_SALT = "api.cursor"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

api = NinjaAPI(
    title="Imprint read API",
    version="1",
    description=(
        "Read-only JSON for what the publication has published. Lists are "
        "newest first and paginated by an opaque `cursor`: follow `next`."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url=None,
)

ERRORS = {400: schemas.Error, 404: schemas.Error, 429: schemas.RateLimited}


class BadRequest(Exception):
    pass


@api.exception_handler(BadRequest)
def bad_request(request, error):
    return api.create_response(request, {"detail": str(error)}, status=400)


@api.exception_handler(ValidationError)
def invalid_parameters(request, error):
    # 400 like any other bad parameter (ninja's default is 422).
    fields = sorted(
        {".".join(str(part) for part in e.get("loc", ())[1:]) for e in error.errors}
    )
    return api.create_response(
        request, {"detail": f"Invalid parameters: {', '.join(fields)}"}, status=400
    )


@api.exception_handler(Moved)
def moved(request, error):
    match = request.resolver_match
    location = reverse(match.view_name, kwargs={**match.kwargs, "slug": error.slug})
    return HttpResponsePermanentRedirect(location)


# Cursors ------------------------------------------------------------------


def encode_cursor(value):
    return signing.dumps(value, salt=CURSOR_SALT, compress=False)


def decode_cursor(raw):
    try:
        return signing.loads(raw, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise BadRequest("Invalid cursor.") from None


def next_link(request, cursor):
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# Serialisation --------------------------------------------------------------


class Urls:
    """Absolute addresses for one response, built from one base."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/").rstrip("/")

    def __call__(self, path):
        if path.startswith(("http://", "https://", "//")):
            return path
        return f"{self.base}{path}"

    def image(self, file, renditions, *, alt, credit, caption=""):
        if not file:
            return None
        storage = file.storage
        return {
            "url": self(file.url),
            "alt": alt,
            "caption": caption,
            "credit": credit,
            "renditions": [
                {
                    "url": self(storage.url(rendition["name"])),
                    "width": rendition["width"],
                    "height": rendition["height"],
                    "format": rendition["format"],
                    "original": bool(rendition.get("original")),
                }
                for rendition in renditions or []
            ],
        }


def subject_ref(urls, subject, kind, name):
    return {
        "slug": subject.slug,
        "name": name,
        "url": urls(reverse(f"articles:{kind}", args=[subject.slug])),
        "api_url": urls(reverse(f"api:{kind}", kwargs={"slug": subject.slug})),
    }


def article_summary(urls, article):
    return {
        "slug": article.slug,
        "title": article.title,
        "standfirst": article.standfirst,
        "url": urls(article.get_absolute_url()),
        "api_url": urls(reverse("api:article", kwargs={"slug": article.slug})),
        "published_at": article.publish_at,
        "updated_at": article.updated_at,
        "authors": [
            subject_ref(urls, author, "author", author.name)
            for author in article.ordered_authors()
        ],
        "regions": [
            subject_ref(urls, r, "region", r.name) for r in article.regions.all()
        ],
        "themes": [subject_ref(urls, t, "theme", t.name) for t in article.themes.all()],
        "tags": [subject_ref(urls, t, "tag", t.name) for t in article.tags.all()],
        "image": urls.image(
            article.featured_image,
            article.featured_image_renditions,
            alt=article.image_alt,
            caption=article.image_caption,
            credit=article.image_credit,
        ),
    }


def article_detail(urls, article):
    if article.is_original_canonical and article.original_url:
        canonical = article.original_url
    else:
        canonical = urls(article.get_absolute_url())
    provenance = None
    if article.original_outlet:
        provenance = {
            "outlet": article.original_outlet,
            "url": article.original_url,
            "published_on": article.original_published_at,
            "is_canonical": article.is_original_canonical,
        }
    notices = notices_at(article.notices_pinned_at)
    return {
        **article_summary(urls, article),
        "body": str(article.body),
        "reports": [
            subject_ref(urls, report, "report", report.title)
            for report in article.reports.all()
        ],
        "canonical_url": canonical,
        "copyright": article.copyright_line(),
        "is_reprintable": article.is_reprintable,
        "provenance": provenance,
        "notices": {kind: str(version.body) for kind, version in notices.items()},
        "corrections": [
            {
                "kind": note.kind,
                "label": str(note.get_kind_display()),
                "note": note.note,
                "published_at": note.published_at,
            }
            for note in notes_of(article)
        ],
    }


# Articles -----------------------------------------------------------------


def aware(when, name):
    """``when`` as an aware UTC datetime (a naive one is in the site's zone)."""
    try:
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadRequest(f"Invalid parameters: {name}") from None


def filtered(region, theme, report, author, tag, after, before, since):
    articles = Article.objects.published()
    if region:
        ids = Article.regions.through.objects.filter(region__slug=region)
        articles = articles.filter(pk__in=ids.values("article_id"))
    if theme:
        ids = Article.themes.through.objects.filter(theme__slug=theme)
        articles = articles.filter(pk__in=ids.values("article_id"))
    if report:
        ids = ReportArticle.objects.filter(report__slug=report)
        articles = articles.filter(pk__in=ids.values("article_id"))
    if author:
        ids = Authorship.objects.filter(author__slug=author)
        articles = articles.filter(pk__in=ids.values("article_id"))
    if tag:
        articles = articles.filter(pk__in=tagged_article_ids(tag_slug=tag))
    if after is not None:
        articles = articles.filter(publish_at__date__gte=after)
    if before is not None:
        articles = articles.filter(publish_at__date__lte=before)
    if since is not None:
        articles = articles.filter(updated_at__gte=aware(since, "updated_since"))
    return articles


@api.get(
    "/articles/",
    response={200: schemas.ArticlePage, **ERRORS},
    url_name="articles",
    summary="Public articles, newest first (or best match with q)",
)
@decorate_view(public(*API))
def list_articles(
    request,
    region: str | None = None,
    theme: str | None = None,
    report: str | None = None,
    author: str | None = None,
    tag: str | None = None,
    published_after: date | None = None,
    published_before: date | None = None,
    updated_since: datetime | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    articles = filtered(
        region,
        theme,
        report,
        author,
        tag,
        published_after,
        published_before,
        updated_since,
    )
    position = decode_cursor(cursor) if cursor else None
    text = clean_query(q or "")
    if text:
        # Ranked results have no stable key to seek from: the cursor carries
        # the position in the ranking.
        offset = 0
        if position is not None:
            if not (isinstance(position, dict) and isinstance(position.get("o"), int)):
                raise BadRequest("Invalid cursor.")
            offset = max(0, position["o"])
        scope = "|".join(
            str(value)
            for value in (
                region,
                theme,
                report,
                author,
                tag,
                published_after,
                published_before,
                updated_since,
            )
        )
        results = SearchResults(text, articles, scope=f"api:{scope}")
        rows = results[offset : offset + limit + 1]
        prefetch_related_objects(rows, bylines_prefetch(), "regions", "themes")
        prefetch_tags(rows)
        following = {"o": offset + limit}
    else:
        articles = (
            articles.for_listing().prefetch_related("regions", "themes").newest_first()
        )
        if position is not None:
            try:
                when = datetime.fromisoformat(position["t"])
                pk = int(position["k"])
            except (KeyError, TypeError, ValueError):
                raise BadRequest("Invalid cursor.") from None
            when = aware(when, "cursor")
            articles = seek(articles, before(when, pk))
        rows = prefetch_tags(articles[: limit + 1])
        following = None
        if len(rows) > limit:
            last = rows[limit - 1]
            following = {"t": last.publish_at.isoformat(), "k": last.pk}
    more = len(rows) > limit
    urls = Urls(request)
    return {
        "results": [article_summary(urls, article) for article in rows[:limit]],
        "next": next_link(request, encode_cursor(following)) if more else None,
    }


@api.get(
    "/articles/{slug}/",
    response={200: schemas.ArticleDetail, **ERRORS},
    url_name="article",
    summary="One public article, in full",
)
@decorate_view(public(*API))
def get_article(request, slug: str):
    articles = Article.objects.published().prefetch_related(
        bylines_prefetch(), "regions", "themes", "reports", "tags", notes_prefetch()
    )
    return article_detail(Urls(request), get_by_slug(articles, slug))


# Subjects -----------------------------------------------------------------


def subject_page(request, queryset, cursor, limit, describe):
    """Subjects ordered by slug (unique), seeking past the cursor's slug."""
    queryset = queryset.order_by("slug")
    if cursor:
        after = decode_cursor(cursor)
        if not isinstance(after, str):
            raise BadRequest("Invalid cursor.")
        queryset = queryset.filter(slug__gt=after)
    rows = list(queryset[: limit + 1])
    urls = Urls(request)
    more = len(rows) > limit
    return {
        "results": [describe(urls, subject) for subject in rows[:limit]],
        "next": next_link(request, encode_cursor(rows[limit - 1].slug))
        if more
        else None,
    }


def describe_subject(kind, name="name", description="description"):
    def describe(urls, subject):
        return {
            **subject_ref(urls, subject, kind, getattr(subject, name)),
            "description": str(getattr(subject, description, "") or ""),
            "articles_url": urls(f"{reverse('api:articles')}?{kind}={subject.slug}"),
        }

    return describe


def describe_author(urls, author):
    return {
        **subject_ref(urls, author, "author", author.name),
        "bio": author.bio,
        "affiliation": author.affiliation,
        "website": author.website,
        "links": [line.strip() for line in author.links.splitlines() if line.strip()],
        "photo": urls.image(
            author.photo, author.photo_renditions, alt=author.name, credit=""
        ),
        "articles_url": urls(f"{reverse('api:articles')}?author={author.slug}"),
    }


SUBJECTS = {
    # kind: (plural, the subjects a reader may see, how one reads)
    "region": ("regions", lambda: Region.objects.all(), describe_subject("region")),
    "theme": ("themes", lambda: Theme.objects.all(), describe_subject("theme")),
    "report": (
        "reports",
        lambda: InDepthReport.objects.public(),
        describe_subject("report", name="title", description="introduction"),
    ),
    "tag": ("tags", public_tags, describe_subject("tag")),
}


def register_subject(kind, plural, queryset, describe):
    @api.get(
        f"/{plural}/",
        response={200: schemas.SubjectPage, **ERRORS},
        url_name=plural,
        summary=f"Every {kind} a reader can browse",
        operation_id=f"list_{plural}",
    )
    @decorate_view(public(*API))
    def list_view(
        request,
        cursor: str | None = None,
        limit: int = Query(MAX_LIMIT, ge=1, le=MAX_LIMIT),
    ):
        return subject_page(request, queryset(), cursor, limit, describe)

    @api.get(
        f"/{plural}/{{slug}}/",
        response={200: schemas.SubjectOut, **ERRORS},
        url_name=kind,
        summary=f"One {kind}",
        operation_id=f"get_{kind}",
    )
    @decorate_view(public(*API))
    def detail_view(request, slug: str):
        return describe(Urls(request), get_by_slug(queryset(), slug))


for _kind, (_plural, _queryset, _describe) in SUBJECTS.items():
    register_subject(_kind, _plural, _queryset, _describe)


@api.get(
    "/authors/",
    response={200: schemas.AuthorPage, **ERRORS},
    url_name="authors",
    summary="Every author with a public article",
)
@decorate_view(public(*API))
def list_authors(
    request,
    cursor: str | None = None,
    limit: int = Query(MAX_LIMIT, ge=1, le=MAX_LIMIT),
):
    return subject_page(
        request, with_public_articles(Author), cursor, limit, describe_author
    )


@api.get(
    "/authors/{slug}/",
    response={200: schemas.AuthorOut, **ERRORS},
    url_name="author",
    summary="One author with a public article",
)
@decorate_view(public(*API))
def get_author(request, slug: str):
    author = get_by_slug(with_public_articles(Author), slug)
    return describe_author(Urls(request), author)
