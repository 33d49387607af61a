"""sitemap.xml, an index of sitemap files: every public article (lastmod: its last
edit) and every listing page.

The article files are pages of a :class:`KeysetPaginator`: their boundaries
(every 1,000th article, newest first) and the newest public edit are cached
readings under the listing stamp, so the index costs no count and no scan of
the archive, and the last file seeks like the first."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property
from taggit.models import Tag

from authors.models import Author

from .models import Article, InDepthReport
from .pagination import KeysetPaginator
from .selectors import (
    all_regions,
    all_reports,
    all_themes,
    cached_reading,
    public_article_counts,
)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 1_000  # a file (about 100 ms to build); the index lists ?p=2 and on

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "updated_at", "publish_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, item):
        return item.updated_at

    @cached_property
    def paginator(self):
        return KeysetPaginator(self.items(), self.limit, cache_key="sitemap")

    def get_latest_lastmod(self):
        # Django's default walks every item; the index needs only the newest.
        return cached_reading(
            "sitemap-lastmod",
            lambda: self.items().aggregate(latest=Max("updated_at"))["latest"],
        )

    @cached_property
    def _address(self):
        return reverse("articles:detail", kwargs={"slug": "SLUG"})

    def location(self, item):
        # One reverse() for the file rather than one per article.
        return self._address.replace("SLUG", item.slug)


class ListingSitemap(Sitemap):
    """The home page, the region, theme, report and author indexes, and every
    region, theme, report, author and tag page."""

    changefreq = "daily"
    priority = 0.5

    def items(self):
        # Who has a public article comes from the cached counts: no walk of
        # the archive for an author or a tag with few articles.
        reports, authors, tags = public_article_counts(InDepthReport, Author, Tag)
        return [
            reverse("articles:home"),
            *(
                reverse(f"articles:{index}")
                for index in ("regions", "themes", "reports", "authors")
            ),
            *(region.get_absolute_url() for region in all_regions()),
            *(theme.get_absolute_url() for theme in all_themes()),
            *(
                report.get_absolute_url()
                for report in all_reports()
                if report.pk in reports
            ),
            *(
                author.get_absolute_url()
                for author in Author.objects.filter(pk__in=list(authors)).only("slug")
            ),
            *(
                reverse("articles:tag", args=[slug])
                for slug in Tag.objects.filter(pk__in=list(tags))
                .order_by("name")
                .values_list("slug", flat=True)
            ),
        ]

    def location(self, item):
        return item


SITEMAPS = {"articles": ArticleSitemap, "listings": ListingSitemap}
