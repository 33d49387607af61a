"""RSS 2.0 and Atom feeds: the latest articles, and each region, theme, report,
author and tag. Four or five queries per feed, whatever it lists."""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from authors.models import Author
from publication.models import current_identity
from regions.models import Region
from themes.models import Theme

from .addresses import get_by_slug
from .http import show_feed_items
from .models import Article, Correction, InDepthReport, notes_of, notes_prefetch
from .selectors import public_tags, with_public_articles

FEED_ITEMS = 20


def article_tag_uri(article):
    """``tag:review.example.org,2026-03-01:article:123``: the article's id in
    every feed, the same whatever its slug."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    day = article.created_at.astimezone(UTC).date().isoformat()
    return f"tag:{host},{day}:article:{article.pk}"


def feed_articles():
    return (
        Article.objects.published()
        .for_listing()
        .prefetch_related("regions", "themes", "tags", notes_prefetch())
        .newest_first()
    )


def note_line(note):
    """“Corrected on 2 December 2026: …”, as the article page says it (plain
    text: escape it for HTML)."""
    day = formats.date_format(timezone.localtime(note.published_at), "j F Y")
    return _("%(kind)s on %(date)s: %(note)s") % {
        "kind": note.get_kind_display(),
        "date": day,
        "note": note.note,
    }


class LatestFeed(Feed):
    feed_type = Rss201rev2Feed
    kind = None
    model = None

    def subjects(self):
        return self.model.objects.all()

    def get_object(self, request, slug=None):
        if self.model is None:
            return None
        return get_by_slug(self.subjects(), slug)

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
        items = list(self.filter_articles(feed_articles(), obj)[:FEED_ITEMS])
        if obj is not None:
            obj.feed_items = items  # for get_feed(), below
        return items

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        if obj is not None:
            # A subject's feed names what its items show; the latest feed
            # shows "listings", which any of those changes bumps.
            show_feed_items(request, obj, obj.feed_items)
        return feed

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # A corrected article says so in readers' feeds too (the latest note).
        notes = notes_of(item)
        if not notes:
            return item.standfirst
        return "\n\n".join(
            part for part in (item.standfirst, escape(note_line(notes[-1]))) if part
        )

    def item_link(self, item):
        return item.get_absolute_url()

    # The id of an item outlives its address (a slug may change): a tag URI
    # (RFC 4151) from the site's host, the day the article was created and its
    # pk. RSS says it is no link; Atom's <id> is the same string.
    item_guid_is_permalink = False

    def item_guid(self, item):
        return article_tag_uri(item)

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.ordered_authors()) or None

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        # A public note is the change readers are told about; without one,
        # the last edit.
        notes = notes_of(item)
        return notes[-1].published_at if notes else item.updated_at

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

    def subjects(self):
        # A tag only drafts carry must not reveal itself.
        return public_tags()


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


class CorrectionsFeed(Feed):
    """Every public note on a change to an article, newest first."""

    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def title(self):
        return _("Corrections and updates – %(name)s") % {
            "name": current_identity().name
        }

    def link(self):
        return reverse("articles:corrections")

    def feed_url(self):
        suffix = "atom" if self.feed_type is Atom1Feed else "rss"
        return reverse(f"articles:corrections_{suffix}")

    def description(self):
        return _("Every correction, clarification and update to our articles.")

    subtitle = description

    def items(self):
        return (
            Correction.objects.public()
            .newest_first()
            .select_related("article")
            .defer("article__body")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.title}"

    def item_description(self, item):
        return escape(note_line(item))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        # Like an article's: a tag URI that outlives the article's slug.
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        day = item.article.created_at.astimezone(UTC).date().isoformat()
        return f"tag:{host},{day}:correction:{item.pk}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = Atom1Feed
