"""Article cards kept rendered, for the related articles of an article page.

A card shows an article's title, address, authors and publication date. Every
change to one of them bumps the ``listings`` key (a public article saved,
unpublished or deleted, an author renamed: ``publication.surrogates``), so a
card is kept in the cache with the version of ``listings`` it was rendered
under and used only while ``listings`` still has it. The version and the cards
are read in one round trip; the cards missing are made from one query for their
articles and one for their bylines. The same articles are the newest under
many themes and tags, so most pages find their related cards made already.

A card is kept per code version, language, time zone and script prefix: all
its rendering depends on besides the rows.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from publication import surrogates
from publication.caching import release

from .http import byline_keys
from .models import Article, bylines_prefetch
from .selectors import READING_SECONDS

TEMPLATE = "includes/article_card.html"


@dataclass(frozen=True)
class Card:
    pk: int
    text: str
    # The keys of the authors it names (what the page shows besides).
    keys: frozenset

    @property
    def html(self):
        return mark_safe(self.text)  # noqa: S308 - rendered by TEMPLATE


def compact_cards(pks):
    """The compact cards of the public articles ``pks``, in that order (an
    article no longer public has none)."""
    if not pks:
        return []
    prefix = ":".join(
        [
            "card",
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
        made = _make(missing)
        cards.update(made)
        cache.set_many(
            {places[pk]: (token, card) for pk, card in made.items()}, READING_SECONDS
        )
    return [cards[pk] for pk in pks if pk in cards]


def _make(pks):
    articles = list(Article.objects.published().filter(pk__in=pks).defer("body"))
    prefetch_related_objects(articles, bylines_prefetch())
    return {
        article.pk: Card(
            pk=article.pk,
            text=str(
                render_to_string(
                    TEMPLATE, {"article": article, "compact": True, "heading": "h3"}
                )
            ),
            keys=frozenset(byline_keys([article])),
        )
        for article in articles
    }
