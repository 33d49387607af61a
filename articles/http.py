"""What each public surface shows, as surrogate keys: written once, here.

``publication.surrogates`` has the table; ``publication.caching`` turns the
keys into ``Cache-Control``, ``ETag``, ``Last-Modified``, ``xkey``, 304s and
the page cache. Views are decorated with :func:`~publication.caching.public`
and the keys below, and add what depends on the rows they show with
:func:`~publication.caching.shows`. Each function reads only what the page
has loaded already (prefetched relations): no query.
"""

from publication.caching import public, shows
from publication.surrogates import IDENTITY, LISTINGS, NOTICES, key, key_for

__all__ = ["public", "shows"]

# Home, the latest feeds, search, the indexes, the corrections page and feeds.
SITE = (LISTINGS, IDENTITY)
# An article page: its own keys come with the article (article_keys).
ARTICLE = (NOTICES, IDENTITY)
# A region, theme, report, author or tag page or feed: its own key comes with it.
SUBJECT = (IDENTITY,)
SITEMAP = (LISTINGS,)
# The read API: anything public may be in a response.
API = (LISTINGS, NOTICES, IDENTITY)


def byline_keys(articles):
    """The authors of articles shown with a byline (cards, related, feeds)."""
    return {
        key("author", authorship.author_id)
        for article in articles
        for authorship in article.authorships.all()
    }


def article_keys(article):
    """An article and everything its page names: authors, regions, themes,
    reports and tags (the related articles are chosen by its themes and
    tags, so their keys cover the choice)."""
    return {
        key_for(article),
        *byline_keys([article]),
        *(key_for(subject) for subject in article.regions.all()),
        *(key_for(subject) for subject in article.themes.all()),
        *(key_for(subject) for subject in article.reports.all()),
        *(key_for(subject) for subject in article.tags.all()),
    }


def feed_item_keys(articles):
    """What a feed item shows besides the article: its authors and its
    categories (regions, themes, tags)."""
    return byline_keys(articles) | {
        key_for(subject)
        for article in articles
        for relation in (article.regions, article.themes, article.tags)
        for subject in relation.all()
    }


def card_keys(cards):
    """The authors the cards (``articles.cards``) name."""
    return {name for card in cards for name in card.keys}


def show_article(request, article, related=()):
    """``related``: the cards of its related articles."""
    shows(request, *article_keys(article), *card_keys(related))


def show_subject(request, subject, cards):
    """``cards``: those of the articles listed."""
    shows(request, key_for(subject), *card_keys(cards))


def show_feed_items(request, subject, articles):
    shows(request, key_for(subject), *feed_item_keys(articles))
