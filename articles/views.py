"""The reader's pages. Everything public comes from ``Article.objects.published()``.

Each page runs a fixed number of SQL queries whatever the number of articles,
authors, regions, themes or tags (tests/articles/test_performance.py).
"""

import json
from functools import cache

from django.core.paginator import InvalidPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import (
    F,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from authors.models import Author
from publication import cached
from publication.context_processors import publication as publication_context
from publication.surrogates import key_for, versions
from regions.models import Region
from themes.models import Theme

from .addresses import get_by_slug
from .cards import listing_cards, related_cards, result_cards
from .citations import citation_for
from .http import ARTICLE, SITE, SUBJECT, public, show_article, show_subject
from .models import (
    Article,
    Correction,
    InDepthReport,
    bylines_prefetch,
    notes_of,
)
from .pagination import KeysetPaginator, RowCompare, page_number, seek
from .search import SearchForm, filtered_articles, search
from .selectors import (
    SUBJECT_LISTS,
    all_regions,
    all_reports,
    all_themes,
    filed_under,
    newest_public_about,
    public_article_counts,
    public_tags,
    with_public_articles,
)

PER_PAGE = 20
HOME_LATEST = 8
HOME_PER_GROUP = 3
HOME_REPORTS = 4
# The home page groups only the newest articles by region and theme, so its
# window query reads a bounded number of rows at any size of archive.
HOME_RECENT = 1000
RELATED = 4
AUTHORS_PER_PAGE = 50


@cache
def _related_rows():
    # Built once: each use filters a clone of it.
    return Article.objects.defer("body").newest_first()


def listing():
    """Public articles as lists show them, newest first (their cards, with the
    bylines, come from ``articles.cards``)."""
    return Article.objects.published().defer("body").newest_first()


def json_ld(data):
    """JSON for a ``<script type="application/ld+json">``, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return mark_safe(text)  # noqa: S308 - nothing HTML-significant is left


@method_decorator(public(*SITE), name="dispatch")
class HomeView(TemplateView):
    """Lead article, latest, by region, by theme, in-depth reports."""

    template_name = "articles/home.html"

    def grouped(self, model, relation):
        """Each group with its newest public articles: two queries in all."""
        through = getattr(Article, relation).through
        field = model._meta.model_name
        rows = (
            through.objects.filter(
                article__in=Article.objects.published()
                .newest_first()
                .values("pk")[:HOME_RECENT]
            )
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F(f"{field}_id")],
                    order_by=[F("article__publish_at").desc(), F("article_id").desc()],
                )
            )
            .filter(rank__lte=HOME_PER_GROUP)
            .select_related("article")
            .defer("article__body")
            .order_by(f"{field}_id", "rank")
        )
        by_group = {}
        for row in rows:
            by_group.setdefault(getattr(row, f"{field}_id"), []).append(row.article)
        groups = [
            (group, by_group[group.pk])
            for group in SUBJECT_LISTS[relation]()
            if group.pk in by_group
        ]
        return groups

    def reports(self):
        """The first reports with a public article (by the cached counts)."""
        counts = public_article_counts(InDepthReport)
        return [report for report in all_reports() if report.pk in counts][
            :HOME_REPORTS
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The newest illustrated article among the recent ones: a walk down
        # the newest-first index that stops at the HOME_RECENT-th article,
        # however many have no image. Without one, the newest article leads.
        public = Article.objects.published().defer("body").newest_first()
        oldest = list(public.values_list("publish_at", "pk")[HOME_RECENT - 1 :][:1])
        recent = public
        if oldest:
            recent = seek(public, RowCompare(["publish_at", "pk"], ">=", oldest[0]))
        lead = recent.exclude(featured_image="").first()
        newest = list(public[: HOME_LATEST + 1])
        if lead is None and newest:
            lead = newest[0]
        latest = [article for article in newest if article != lead][:HOME_LATEST]
        by_region = self.grouped(Region, "regions")
        by_theme = self.grouped(Theme, "themes")
        # The groups show titles only, the latest come as cards.
        if lead:
            prefetch_related_objects([lead], bylines_prefetch())
        context.update(
            lead=lead,
            latest=listing_cards(latest),
            by_region=by_region,
            by_theme=by_theme,
            reports=self.reports(),
            feed_rss_url=reverse("articles:rss"),
            feed_atom_url=reverse("articles:atom"),
        )
        return context


def attach_subjects(article):
    """Set ``article.regions.all()``, ``.themes.all()``, ``.reports.all()`` and
    ``.tags.all()`` (and ``article.notes``) from memory: what files it and its
    tags in one query (``selectors.filed_under``), the regions, themes and
    reports picked from the shared lists, the notes only when there are some.
    Whatever is already prefetched (a preview's state) is left alone."""
    prefetched = article.__dict__.setdefault("_prefetched_objects_cache", {})
    # Everything the page reads from the shared cache, in one round trip.
    lists = cached.warm("identity", "notice-versions", *SUBJECT_LISTS)
    wanted = [*SUBJECT_LISTS, "tags"]
    if all(relation in prefetched for relation in wanted) and hasattr(article, "notes"):
        return article
    found = filed_under(article)
    for relation in SUBJECT_LISTS:
        if relation not in prefetched:
            prefetched[relation] = [
                subject for subject in lists[relation] if subject.pk in found[relation]
            ]
    if "tags" not in prefetched:
        prefetched["tags"] = found["tags"]
    if not hasattr(article, "notes"):
        article.notes = (
            list(article.corrections.shown().order_by("published_at", "pk"))
            if found["notes"]
            else []
        )
    return article


@method_decorator(public(*ARTICLE), name="dispatch")
class ArticleDetailView(DetailView):
    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        return get_by_slug(queryset, self.kwargs["slug"])

    def get_queryset(self):
        # Those who may change articles preview unpublished work (not every
        # staff account); everyone else sees only what is public.
        if self.request.user.has_perm("articles.change_article"):
            return Article.objects.all()
        return Article.objects.published()

    def related(self, article):
        """The cards of the newest public articles sharing a theme or a tag,
        best of both: the newest few under each of its themes and tags (cached
        per version of each subject's key), merged; their cards kept rendered
        (``articles.cards``)."""
        subjects = [*article.themes.all(), *article.tags.all()]
        subjects = [subject for subject in subjects if subject.pk is not None]
        newest = newest_public_about(subjects, RELATED + 1)
        candidates = sorted(
            {row for rows in newest.values() for row in rows if row[1] != article.pk},
            reverse=True,
        )
        return related_cards([pk for _publish_at, pk in candidates[:RELATED]])

    def structured_data(self, article, publication_name):
        request = self.request
        url = request.build_absolute_uri(article.get_absolute_url())
        authors = article.ordered_authors()
        notes = notes_of(article)
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title[:110],
            "description": article.standfirst,
            "url": url,
            "mainEntityOfPage": url,
            "datePublished": article.publish_at,
            "dateModified": notes[-1].published_at if notes else article.updated_at,
            "author": [
                {
                    "@type": "Person",
                    "name": author.name,
                    "url": request.build_absolute_uri(author.get_absolute_url()),
                }
                for author in authors
            ],
            "publisher": {"@type": "Organization", "name": publication_name},
            "copyrightHolder": [
                {"@type": "Person", "name": author.name} for author in authors
            ]
            + [{"@type": "Organization", "name": publication_name}],
            "copyrightYear": article.copyright_year,
        }
        if article.featured_image:
            data["image"] = [request.build_absolute_uri(article.featured_image.url)]
        if article.original_url:
            data["isBasedOn"] = article.original_url
        if notes:
            data["correction"] = [
                {
                    "@type": "CorrectionComment",
                    "text": note.note,
                    "datePublished": note.published_at,
                }
                for note in notes
            ]
        return json_ld(data)

    def get_context_data(self, **kwargs):
        article = attach_subjects(self.object)
        related = self.related(article)
        prefetch_related_objects([article], bylines_prefetch())
        context = super().get_context_data(**kwargs)
        publication_name = publication_context(self.request)["publication_name"]
        if article.is_original_canonical and article.original_url:
            canonical = article.original_url
        else:
            canonical = self.request.build_absolute_uri(article.get_absolute_url())
        image_url = (
            self.request.build_absolute_uri(article.featured_image.url)
            if article.featured_image
            else ""
        )
        show_article(self.request, article, related)
        context.update(
            page_title=article.title,
            page_description=article.standfirst,
            og_type="article",
            og_image=image_url,
            og_image_alt=article.image_alt,
            authors=article.ordered_authors(),
            related=related,
            canonical_url=canonical,
            json_ld=self.structured_data(article, publication_name),
            share_url=self.request.build_absolute_uri(article.get_absolute_url()),
            notes=notes_of(article),
            citation=citation_for(article),
        )
        return context


@method_decorator(public(*SUBJECT), name="dispatch")
class SubjectArticlesView(ListView):
    """Public articles under one region, theme, author or tag, newest first."""

    model = None
    paginate_by = PER_PAGE
    template_name = "articles/article_list.html"
    kind = ""

    def get_subject(self):
        return get_by_slug(self.model.objects.all(), self.kwargs["slug"])

    def filter_articles(self, articles):
        return articles.about(self.subject)

    def page_title(self):
        return str(self.subject)

    def page_description(self):
        return getattr(self.subject, "description", "")

    def get_queryset(self):
        self.subject = self.get_subject()
        return self.filter_articles(listing())

    def paginate_queryset(self, queryset, page_size):
        number = page_number(self.request)
        # The boundaries are kept per version of the subject's key, which
        # every change to its public articles bumps (deletions and scheduled
        # articles going public included).
        subject_key = key_for(self.subject)
        version = versions([subject_key])[subject_key][0]
        paginator = KeysetPaginator(
            queryset, page_size, cache_key=f"{self.kind}:{self.subject.pk}:{version}"
        )
        page = paginator.page(number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = listing_cards(context["object_list"])
        show_subject(self.request, self.subject, context["cards"])
        page = context.get("page_obj")
        path = self.request.path
        if page is not None and page.number > 1:
            path = f"{path}?page={page.number}"
        context.update(
            page_title=self.page_title(),
            page_description=self.page_description(),
            canonical_url=self.request.build_absolute_uri(path),
            subject=self.subject,
            kind=self.kind,
            feed_rss_url=reverse(f"articles:{self.kind}_rss", args=[self.subject.slug]),
            feed_atom_url=reverse(
                f"articles:{self.kind}_atom", args=[self.subject.slug]
            ),
        )
        return context


class RegionView(SubjectArticlesView):
    model = Region
    kind = "region"
    template_name = "articles/region_detail.html"


class ThemeView(SubjectArticlesView):
    model = Theme
    kind = "theme"
    template_name = "articles/theme_detail.html"


class AuthorView(SubjectArticlesView):
    model = Author
    kind = "author"
    template_name = "articles/author_detail.html"

    def get_subject(self):
        # Like a report, an author with no public article does not exist yet.
        return get_by_slug(with_public_articles(Author), self.kwargs["slug"])

    def page_title(self):
        return _("Articles by %(name)s") % {"name": self.subject.name}

    def page_description(self):
        return self.subject.bio or self.page_title()


class TagView(SubjectArticlesView):
    model = Tag
    kind = "tag"
    template_name = "articles/tag_detail.html"

    def get_subject(self):
        # An old address of a tag only drafts carry must not reveal it either.
        return get_by_slug(
            Tag.objects.all(), self.kwargs["slug"], visible=public_tags()
        )

    def page_description(self):
        return _("Articles tagged “%(name)s”.") % {"name": self.subject.name}

    def paginate_queryset(self, queryset, page_size):
        result = super().paginate_queryset(queryset, page_size)
        # A tag only drafts carry must not reveal itself.
        if not result[2]:
            raise Http404("No public articles with this tag")
        return result


class ReportView(SubjectArticlesView):
    """A report's public articles in the editor's order."""

    model = InDepthReport
    kind = "report"
    template_name = "articles/report_detail.html"

    def get_subject(self):
        reports = InDepthReport.objects.all()
        if not self.request.user.has_perm("articles.change_article"):
            reports = reports.public()
        return get_by_slug(reports, self.kwargs["slug"])

    def page_description(self):
        return self.subject.introduction

    def filter_articles(self, articles):
        return articles.about(self.subject).order_by(
            "report_entries__position", "-publish_at", "-pk"
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = Paginator(queryset, page_size, allow_empty_first_page=True)
        try:
            page = paginator.page(page_number(self.request))
        except InvalidPage as error:
            raise Http404("No such page") from error
        return paginator, page, page.object_list, page.has_other_pages()


class CountedPaginator(Paginator):
    """A Paginator told how many items there are, so it asks no ``COUNT(*)``."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


@method_decorator(public(*SITE), name="dispatch")
class SubjectIndexView(ListView):
    """Every region, theme, report or author, with its number of public articles.

    ``only_with_articles`` leaves out subjects no reader could open an article
    of (reports and authors known only from drafts or scheduled work).

    The counts are one cached reading (``public_article_counts``); regions,
    themes and reports come from their shared lists, so a request costs the
    listing stamp's query and nothing proportional to the archive."""

    model = None
    kind = ""
    only_with_articles = False
    ordering = None
    title = ""
    description = ""
    template_name = "articles/subject_index.html"
    shared_list = None  # the function reading the shared list of all of them

    def get_queryset(self):
        self.counts = public_article_counts(self.model)
        if self.shared_list is not None:
            subjects = self.shared_list()
            if self.only_with_articles:
                subjects = [
                    subject for subject in subjects if subject.pk in self.counts
                ]
            return subjects
        if self.only_with_articles:
            subjects = with_public_articles(self.model)
        else:
            subjects = self.model.objects.all()
        if self.ordering:
            subjects = subjects.order_by(*self.ordering)
        return subjects

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.only_with_articles and not isinstance(queryset, list):
            # Those with a public article are those counted.
            return CountedPaginator(
                queryset, per_page, count=len(self.counts), **kwargs
            )
        return super().get_paginator(queryset, per_page, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        # ListView's own int() takes " 1" and "٣": read the number as every
        # other listing does.
        paginator = self.get_paginator(queryset, page_size)
        try:
            page = paginator.page(page_number(self.request))
        except InvalidPage as error:
            raise Http404("No such page") from error
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subjects = list(context["object_list"])
        for subject in subjects:
            subject.article_count = self.counts.get(subject.pk, 0)
        page = context.get("page_obj")
        path = self.request.path
        if page is not None and page.number > 1:
            path = f"{path}?page={page.number}"
        context.update(
            object_list=subjects,
            kind=self.kind,
            page_title=self.title,
            page_description=self.description,
            canonical_url=self.request.build_absolute_uri(path),
        )
        return context


class RegionIndexView(SubjectIndexView):
    model = Region
    kind = "region"
    shared_list = staticmethod(all_regions)
    title = _("Regions")
    description = _("Articles by region.")


class ThemeIndexView(SubjectIndexView):
    model = Theme
    kind = "theme"
    shared_list = staticmethod(all_themes)
    title = _("Themes")
    description = _("Articles by theme.")


class ReportIndexView(SubjectIndexView):
    model = InDepthReport
    kind = "report"
    only_with_articles = True
    shared_list = staticmethod(all_reports)
    title = _("In-depth reports")
    description = _("Dossiers: sets of articles on one subject.")


class AuthorIndexView(SubjectIndexView):
    model = Author
    kind = "author"
    only_with_articles = True
    ordering = ["name", "pk"]
    paginate_by = AUTHORS_PER_PAGE
    title = _("Authors")
    description = _("Everyone who writes for the publication.")


class SearchPaginator(Paginator):
    """Pages of search results, whose number may be an estimate: a page is
    never cut short at the estimated end."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        items = self.object_list[bottom : bottom + self.per_page]
        return self._get_page(items, number, self)


@method_decorator(public(*SITE), name="dispatch")
class SearchView(TemplateView):
    """Full-text search with region, theme, author and date filters."""

    template_name = "articles/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        filters = form.filters() if form.is_bound else {}
        text = form.query_text() if form.is_bound else ""
        results = None
        page = None
        if text:
            results = search(text, **filters)
            paginator = SearchPaginator(results, PER_PAGE, allow_empty_first_page=True)
            try:
                page = paginator.page(page_number(self.request))
            except InvalidPage as error:
                raise Http404("No such page") from error
        elif any(value is not None for value in filters.values()):
            # Filters alone: a newest-first listing like a region's.
            # No bylines: only the cards not kept read theirs (articles.cards).
            results = filtered_articles(**filters).defer("body").newest_first()
            scope = "|".join(
                f"{name}={getattr(value, 'pk', value)}"
                for name, value in sorted(filters.items())
            )
            paginator = KeysetPaginator(
                results, PER_PAGE, cache_key=f"search-filters:{scope}"
            )
            page = paginator.page(page_number(self.request))
        context.update(
            page_title=_("Search"),
            page_description=_("Search the articles."),
            form=form,
            query=text,
            page_obj=page,
            results=result_cards(page.object_list) if page else [],
            searched=results is not None,
            is_paginated=bool(page and page.has_other_pages()),
            # More matches than are ranked: the number is the database's
            # estimate, shown rounded.
            results_estimated=getattr(results, "is_estimate", False),
            result_number=rounded(page.paginator.count) if page else 0,
        )
        return context


def rounded(number):
    """``number`` to two significant digits (12,345 -> 12,000)."""
    if number < 100:
        return number
    scale = 10 ** (len(str(number)) - 2)
    return round(number / scale) * scale


@public()
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("articles:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@method_decorator(public(*SITE), name="dispatch")
class CorrectionListView(ListView):
    """Every public note on a change to an article, newest first."""

    template_name = "articles/corrections.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return (
            Correction.objects.public()
            .newest_first()
            .select_related("article")
            .defer("article__body")
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = Paginator(queryset, page_size, allow_empty_first_page=True)
        try:
            page = paginator.page(page_number(self.request))
        except InvalidPage as error:
            raise Http404("No such page") from error
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        path = self.request.path
        if page.number > 1:
            path = f"{path}?page={page.number}"
        context.update(
            page_title=_("Corrections and updates"),
            page_description=_(
                "Every correction, clarification and update to our articles, "
                "newest first."
            ),
            canonical_url=self.request.build_absolute_uri(path),
            feed_rss_url=reverse("articles:corrections_rss"),
            feed_atom_url=reverse("articles:corrections_atom"),
        )
        return context
