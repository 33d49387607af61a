"""RSS 2.0 and Atom feeds: the latest articles, and each region, theme, report,
author and tag. Four or five queries per feed, whatever it lists."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from authors.models import Author
from publication.models import current_identity
from regions.models import Region
from themes.models import Theme

from .models import Article, InDepthReport
from .search import tagged_article_ids
from .selectors import with_public_articles

FEED_ITEMS = 20


def feed_articles():
    return (
        Article.objects.published()
        .for_listing()
        .prefetch_related("regions", "themes", "tags")
        .newest_first()
    )


class LatestFeed(Feed):
    feed_type = Rss201rev2Feed
    kind = None
    model = None

    def subjects(self):
        return self.model.objects.all()

    def get_object(self, request, slug=None):
        if self.model is None:
            return None
        return get_object_or_404(self.subjects(), slug=slug)

    def title(self, obj):
        name = current_identity().name
        return f"{obj} – {name}" if obj is not None else str(name)

    def link(self, obj):
        if obj is None:
            return reverse("articles:home")
        return reverse(f"articles:{self.kind}", args=[obj.slug])

    def feed_url(self, obj):
        suffix = "atom" if self.feed_type is Atom1Feed else "rss"
        if obj is None:
            return reverse(f"articles:{suffix}")
        return reverse(f"articles:{self.kind}_{suffix}", args=[obj.slug])

    def description(self, obj):
        if obj is None:
            return _("The latest articles.")
        return getattr(obj, "description", "") or _("The latest articles: %s.") % obj

    subtitle = description

    def filter_articles(self, articles, obj):
        return articles if obj is None else articles.about(obj)

    def items(self, obj):
        return self.filter_articles(feed_articles(), obj)[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return item.get_absolute_url()

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.ordered_authors()) or None

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [
            *(region.name for region in item.regions.all()),
            *(theme.name for theme in item.themes.all()),
            *(tag.name for tag in item.tags.all()),
        ]

    def item_copyright(self, item):
        return item.copyright_line()


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed


class RegionFeed(LatestFeed):
    kind = "region"
    model = Region


class ThemeFeed(LatestFeed):
    kind = "theme"
    model = Theme


class ReportFeed(LatestFeed):
    kind = "report"
    model = InDepthReport

    def subjects(self):
        return InDepthReport.objects.public()


class AuthorFeed(LatestFeed):
    kind = "author"
    model = Author

    def subjects(self):
        return with_public_articles(Author)


class TagFeed(LatestFeed):
    kind = "tag"
    model = Tag

    def get_object(self, request, slug=None):
        # A tag only drafts carry must not reveal itself.
        tagged = tagged_article_ids(tag_slug=slug)
        if not Article.objects.published().filter(pk__in=tagged).exists():
            raise Http404("No public articles with this tag")
        return super().get_object(request, slug)


def atom(feed_class):
    """The Atom twin of an RSS feed class."""
    return type(f"{feed_class.__name__}Atom", (feed_class,), {"feed_type": Atom1Feed})


FEEDS = {
    "region": RegionFeed,
    "theme": ThemeFeed,
    "report": ReportFeed,
    "author": AuthorFeed,
    "tag": TagFeed,
}
