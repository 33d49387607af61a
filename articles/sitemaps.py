"""sitemap.xml, an index of sitemap files: every public article (lastmod: its last
edit) and every listing page."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property
from taggit.models import Tag

from authors.models import Author
from regions.models import Region
from themes.models import Theme

from .models import Article, InDepthReport
from .selectors import with_public_articles


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

    def get_latest_lastmod(self):
        # Django's default walks every item; the index needs only the newest.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

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
        return [
            reverse("articles:home"),
            *(
                reverse(f"articles:{index}")
                for index in ("regions", "themes", "reports", "authors")
            ),
            *(region.get_absolute_url() for region in Region.objects.all()),
            *(theme.get_absolute_url() for theme in Theme.objects.all()),
            *(
                report.get_absolute_url()
                for report in InDepthReport.objects.public().only("slug")
            ),
            *(
                author.get_absolute_url()
                for author in with_public_articles(Author).only("slug")
            ),
            *(
                reverse("articles:tag", args=[tag.slug])
                for tag in with_public_articles(Tag).order_by("name")
            ),
        ]

    def location(self, item):
        return item


SITEMAPS = {"articles": ArticleSitemap, "listings": ListingSitemap}
