"""The URLconf of ``python -m benchmarks.api_frameworks``: the site's URLs, plus
the read API's article list and article detail written a second time with Django
REST framework and drf-spectacular (under ``/api/drf/``), plus the same two
ninja operations alone on a second NinjaAPI (under ``/api/ninja-articles/``) so
that each framework's OpenAPI schema can be timed for the same two operations.

The DRF views start from the same querysets with the same prefetches as
``api.views``, read the same cursors, carry the same conditional GET and cache
headers (``articles.http.public``) and sit under ``/api/`` so that
``api.middleware`` runs for them too; their serializers write the JSON the ninja
views write (the benchmark asserts it, response by response). Only the
benchmark imports this module, in a virtualenv that has DRF
(``make bench-api-frameworks``); the project itself does not depend on DRF.
"""

from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, prefetch_related_objects
from django.http import HttpResponsePermanentRedirect
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_spectacular.views import SpectacularJSONAPIView
from ninja import NinjaAPI
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schemas
from api import views as ninja_views
from api.views import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadRequest,
    Urls,
    aware,
    decode_cursor,
    encode_cursor,
    filtered,
    next_link,
)
from articles.addresses import Moved, get_by_slug
from articles.http import API, public
from articles.models import Article, bylines_prefetch, notes_prefetch
from articles.search import SearchResults, clean_query
from articles.selectors import prefetch_tags
from publication import urls as site_urls
from publication.notices import notices_at

DRF_PREFIX = "api/drf/"
NINJA_PREFIX = "api/ninja-articles/"

# Serializers ---------------------------------------------------------------


class JSONDateTime(serializers.DateTimeField):
    """A datetime as ninja writes it (Django's JSON encoder: the value's own
    zone, milliseconds, ``Z`` for UTC), where DRF would move it to the site's
    zone and keep the microseconds."""

    def to_representation(self, value):
        return DjangoJSONEncoder().default(value)


class SubjectRef(serializers.Serializer):
    """A region, theme, report, tag or author as an article names it."""

    kind = None

    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    def get_url(self, subject) -> str:
        return self.context["urls"](
            reverse(f"articles:{self.kind}", args=[subject.slug])
        )

    def get_api_url(self, subject) -> str:
        return self.context["urls"](
            reverse(f"api:{self.kind}", kwargs={"slug": subject.slug})
        )


class AuthorRef(SubjectRef):
    kind = "author"


class RegionRef(SubjectRef):
    kind = "region"


class ThemeRef(SubjectRef):
    kind = "theme"


class TagRef(SubjectRef):
    kind = "tag"


class ReportRef(SubjectRef):
    kind = "report"

    name = serializers.CharField(source="title")


class RenditionSerializer(serializers.Serializer):
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()
    original = serializers.BooleanField()


class ImageSerializer(serializers.Serializer):
    url = serializers.CharField()
    alt = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()
    renditions = RenditionSerializer(many=True)


class ArticleSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    standfirst = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    published_at = JSONDateTime(source="publish_at")
    updated_at = JSONDateTime()
    authors = AuthorRef(source="ordered_authors", many=True)
    regions = RegionRef(many=True)
    themes = ThemeRef(many=True)
    tags = TagRef(many=True)
    image = serializers.SerializerMethodField()

    def get_url(self, article) -> str:
        return self.context["urls"](article.get_absolute_url())

    def get_api_url(self, article) -> str:
        return self.context["urls"](
            reverse("api:article", kwargs={"slug": article.slug})
        )

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, article):
        # The same addresses as ninja's (storage URLs made absolute).
        return self.context["urls"].image(
            article.featured_image,
            article.featured_image_renditions,
            alt=article.image_alt,
            caption=article.image_caption,
            credit=article.image_credit,
        )


class ProvenanceSerializer(serializers.Serializer):
    outlet = serializers.CharField(source="original_outlet")
    url = serializers.CharField(source="original_url")
    published_on = serializers.DateField(source="original_published_at")
    is_canonical = serializers.BooleanField(source="is_original_canonical")


class CorrectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    note = serializers.CharField()
    published_at = JSONDateTime()


class ArticleDetailSerializer(ArticleSummarySerializer):
    body = serializers.CharField()
    reports = ReportRef(many=True)
    canonical_url = serializers.SerializerMethodField()
    copyright = serializers.CharField(source="copyright_line")
    is_reprintable = serializers.BooleanField()
    provenance = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    corrections = CorrectionSerializer(source="notes", many=True)

    def get_canonical_url(self, article) -> str:
        if article.is_original_canonical and article.original_url:
            return article.original_url
        return self.context["urls"](article.get_absolute_url())

    @extend_schema_field(ProvenanceSerializer(allow_null=True))
    def get_provenance(self, article):
        if not article.original_outlet:
            return None
        return ProvenanceSerializer(article).data

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_notices(self, article):
        notices = notices_at(article.notices_pinned_at)
        return {kind: str(version.body) for kind, version in notices.items()}


class ArticlePageSerializer(serializers.Serializer):
    results = ArticleSummarySerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ArticleFilters(serializers.Serializer):
    """The list's query parameters, as ``api.views.list_articles`` takes them."""

    region = serializers.CharField(required=False, allow_blank=True)
    theme = serializers.CharField(required=False, allow_blank=True)
    report = serializers.CharField(required=False, allow_blank=True)
    author = serializers.CharField(required=False, allow_blank=True)
    tag = serializers.CharField(required=False, allow_blank=True)
    published_after = serializers.DateField(required=False)
    published_before = serializers.DateField(required=False)
    updated_since = serializers.DateTimeField(required=False, default_timezone=UTC)
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    cursor = serializers.CharField(required=False, allow_blank=True)
    limit = serializers.IntegerField(
        required=False, default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT
    )


# Views ---------------------------------------------------------------------


class ReadView(APIView):
    """Anonymous, JSON only, no throttling: what the ninja API does too."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)

    def handle_exception(self, exc):
        if isinstance(exc, BadRequest):
            exc = ParseError(str(exc))
        return super().handle_exception(exc)


class ArticleList(ReadView):
    @extend_schema(
        parameters=[ArticleFilters],
        responses=ArticlePageSerializer,
        operation_id="list_articles",
        summary="Public articles, newest first (or best match with q)",
    )
    def get(self, request):
        filters = ArticleFilters(data=request.query_params)
        if not filters.is_valid():
            raise ParseError(f"Invalid parameters: {', '.join(sorted(filters.errors))}")
        params = filters.validated_data
        limit = params["limit"]
        articles = filtered(
            params.get("region"),
            params.get("theme"),
            params.get("report"),
            params.get("author"),
            params.get("tag"),
            params.get("published_after"),
            params.get("published_before"),
            params.get("updated_since"),
        )
        cursor = params.get("cursor")
        position = decode_cursor(cursor) if cursor else None
        text = clean_query(params.get("q") or "")
        if text:
            offset = 0
            if position is not None:
                if not (
                    isinstance(position, dict) and isinstance(position.get("o"), int)
                ):
                    raise BadRequest("Invalid cursor.")
                offset = max(0, position["o"])
            rows = SearchResults(text, articles)[offset : offset + limit + 1]
            prefetch_related_objects(rows, "regions", "themes")
            prefetch_tags(rows)
            following = {"o": offset + limit}
        else:
            articles = (
                articles.for_listing()
                .prefetch_related("regions", "themes")
                .newest_first()
            )
            if position is not None:
                try:
                    when = aware(datetime.fromisoformat(position["t"]), "cursor")
                    pk = int(position["k"])
                except (KeyError, TypeError, ValueError):
                    raise BadRequest("Invalid cursor.") from None
                articles = articles.filter(
                    Q(publish_at__lt=when) | Q(publish_at=when, pk__lt=pk)
                )
            rows = prefetch_tags(articles[: limit + 1])
            following = None
            if len(rows) > limit:
                last = rows[limit - 1]
                following = {"t": last.publish_at.isoformat(), "k": last.pk}
        more = len(rows) > limit
        page = {
            "results": rows[:limit],
            "next": next_link(request, encode_cursor(following)) if more else None,
        }
        context = {"urls": Urls(request), "request": request}
        return Response(ArticlePageSerializer(page, context=context).data)


class ArticleDetail(ReadView):
    @extend_schema(
        responses=ArticleDetailSerializer,
        operation_id="get_article",
        summary="One public article, in full",
    )
    def get(self, request, slug):
        articles = Article.objects.published().prefetch_related(
            bylines_prefetch(),
            "regions",
            "themes",
            "reports",
            "tags",
            notes_prefetch(),
        )
        try:
            article = get_by_slug(articles, slug)
        except Moved as error:
            location = reverse("bench_drf_article", kwargs={"slug": error.slug})
            return HttpResponsePermanentRedirect(location)
        context = {"urls": Urls(request), "request": request}
        return Response(ArticleDetailSerializer(article, context=context).data)


drf_urlpatterns = [
    path(
        f"{DRF_PREFIX}articles/",
        public(*API)(ArticleList.as_view()),
        name="bench_drf_articles",
    ),
    path(
        f"{DRF_PREFIX}articles/<str:slug>/",
        public(*API)(ArticleDetail.as_view()),
        name="bench_drf_article",
    ),
]


class DrfSchema(SpectacularJSONAPIView):
    """drf-spectacular's schema of the two DRF operations, made at each request
    as ninja makes its own."""

    urlconf = drf_urlpatterns
    custom_settings = {"TITLE": "Imprint read API", "VERSION": "1"}


# The same two ninja operations, alone -------------------------------------

articles_only = NinjaAPI(
    title="Imprint read API",
    version="1",
    urls_namespace="bench_ninja",
    openapi_url="/schema/",
    docs_url=None,
)
articles_only.get(
    "/articles/",
    response={200: schemas.ArticlePage, **ninja_views.ERRORS},
    url_name="articles",
    summary="Public articles, newest first (or best match with q)",
)(ninja_views.list_articles)
articles_only.get(
    "/articles/{slug}/",
    response={200: schemas.ArticleDetail, **ninja_views.ERRORS},
    url_name="article",
    summary="One public article, in full",
)(ninja_views.get_article)


handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

urlpatterns = [
    *drf_urlpatterns,
    path(f"{DRF_PREFIX}schema/", DrfSchema.as_view(), name="bench_drf_schema"),
    path(NINJA_PREFIX, articles_only.urls),
    *site_urls.urlpatterns,
]
