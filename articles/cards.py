"""Article cards kept rendered: the lists of a region, theme, author, tag or
report and of the home page, the related articles of an article page, and the
results of a search.

A card shows an article's title, address, authors, publication date and (in
search results) standfirst. Every change to one of them bumps the ``listings``
key (a public article saved, unpublished or deleted, an author renamed:
``publication.surrogates``), so a card is kept in the cache with the version of
``listings`` it was rendered under and used only while ``listings`` still has
it. The version and the cards are read in one round trip; only the cards
missing are rendered, and only their articles' bylines read. The same articles
are the newest under many themes and tags, and match the same common words, so
most pages find most of their cards made already.

A search result's highlighted snippet is the search's own: its card is kept
with a mark where the snippet goes (:meth:`Card.with_snippet`).

A card is kept per code version, language, time zone and script prefix: all
its rendering depends on besides the rows.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from publication import surrogates
from publication.caching import release

from .http import byline_keys
from .models import Article, bylines_prefetch
from .selectors import READING_SECONDS

TEMPLATE = "includes/article_card.html"
# What the card template is given, per kind of card.
STYLES = {
    "listing": {"show_image": True, "heading": "h3"},
    "related": {"compact": True, "heading": "h3"},
    "result": {"show_image": False, "heading": "h3", "snippet_mark": True},
}
# Where a search result's snippet goes (the template writes it for
# ``snippet_mark``).
SNIPPET_MARK = "<!--snippet-->"


@dataclass(frozen=True)
class Card:
    pk: int
    text: str
    # The keys of the authors it names (what the page shows besides).
    keys: frozenset

    @property
    def html(self):
        return self.with_snippet("")

    def with_snippet(self, snippet):
        """The card, with ``snippet`` (safe HTML) where its style has one."""
        if SNIPPET_MARK not in self.text:
            return mark_safe(self.text)  # noqa: S308 - rendered by TEMPLATE
        paragraph = format_html('<p class="snippet">{}</p>', snippet) if snippet else ""
        return mark_safe(self.text.replace(SNIPPET_MARK, paragraph))  # noqa: S308


def related_cards(pks):
    """The cards of the public articles ``pks`` as related articles, in that
    order (an article no longer public has none)."""

    def make(missing):
        articles = Article.objects.published().filter(pk__in=missing).defer("body")
        return _render(list(articles), "related")

    found = _cards(pks, "related", make)
    return [found[pk] for pk in pks if pk in found]


def listing_cards(articles):
    """The cards of a list of public articles (loaded without their bylines),
    in its order: the cards kept, the others rendered from those rows."""
    articles = list(articles)
    found = _cards_of(articles, "listing")
    return [found[article.pk] for article in articles if article.pk in found]


def result_cards(articles):
    """The cards (safe HTML) of search results: public articles, loaded with
    their snippets (if any). The cards kept are used, the others rendered
    from those rows."""
    articles = list(articles)
    found = _cards_of(articles, "result")
    return [
        found[article.pk].with_snippet(getattr(article, "search_snippet", ""))
        for article in articles
        if article.pk in found
    ]


def _cards_of(articles, style):
    """``{pk: card}`` for rows already loaded: those missing rendered from them."""
    by_pk = {article.pk: article for article in articles}

    def make(missing):
        return _render([by_pk[pk] for pk in missing], style)

    return _cards(list(by_pk), style, make)


def _cards(pks, style, make):
    """``{pk: card}``: the kept cards of ``pks`` in ``style`` still valid, and
    ``make(missing_pks)`` for the others (then kept)."""
    if not pks:
        return {}
    prefix = ":".join(
        [
            "card",
            style,
            release()[0],
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            get_script_prefix(),
        ]
    )
    places = {pk: f"{prefix}:{pk}" for pk in pks}
    current, found = surrogates.versions_and_entries(
        [surrogates.LISTINGS], places.values()
    )
    token = current[surrogates.LISTINGS][0]
    cards = {}
    for pk, place in places.items():
        entry = found.get(place)
        if entry is not None and entry[0] == token:
            cards[pk] = entry[1]
    missing = [pk for pk in pks if pk not in cards]
    if missing:
        made = make(missing)
        cards.update(made)
        cache.set_many(
            {places[pk]: (token, card) for pk, card in made.items()}, READING_SECONDS
        )
    return cards


def _render(articles, style):
    prefetch_related_objects(articles, bylines_prefetch())
    return {
        article.pk: Card(
            pk=article.pk,
            text=str(render_to_string(TEMPLATE, {"article": article, **STYLES[style]})),
            keys=frozenset(byline_keys([article])),
        )
        for article in articles
    }
