"""sitemap.xml: every public article (lastmod: its last edit) and every listing."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

from authors.models import Author
from regions.models import Region
from themes.models import Theme

from .models import Article, Authorship, InDepthReport


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 50_000  # the protocol's maximum; ?p=2 and on beyond that

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "updated_at", "publish_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, item):
        return item.updated_at


class ListingSitemap(Sitemap):
    """The home page and every region, theme, report, author and tag page."""

    changefreq = "daily"
    priority = 0.5

    def items(self):
        public = Article.objects.published()
        public_ids = public.values("pk")
        return [
            reverse("articles:home"),
            *(region.get_absolute_url() for region in Region.objects.all()),
            *(theme.get_absolute_url() for theme in Theme.objects.all()),
            *(
                report.get_absolute_url()
                for report in InDepthReport.objects.public().only("slug")
            ),
            *(
                author.get_absolute_url()
                for author in Author.objects.filter(
                    pk__in=Authorship.objects.filter(article__in=public_ids).values(
                        "author_id"
                    )
                ).only("slug")
            ),
            *(
                reverse("articles:tag", args=[tag.slug])
                for tag in Tag.objects.filter(
                    pk__in=Article.tags.through.objects.filter(
                        object_id__in=public_ids,
                        content_type__app_label="articles",
                        content_type__model="article",
                    ).values("tag_id")
                ).order_by("name")
            ),
        ]

    def location(self, item):
        return item


SITEMAPS = {"articles": ArticleSitemap, "listings": ListingSitemap}
