"""The state changes of an article row: publish, unpublish, re-pin.

Every way in (the editor admin and its bulk actions, the editorial desk's
scheduled changes, importers, the API, the shell) calls these, and each saves
the row with ``save()``, so ``updated_at`` (and with it every cache validator)
moves and the revision history sees the change. Nothing here uses
``QuerySet.update()``. Who may do what is the editorial desk's business
(``editorial.permissions``); these functions only change the row.
"""

from django.db import transaction
from django.utils import timezone

from .models import Article


def publish(article, *, when=None, save=True):
    """Make the article public at ``when`` (now if None; a future time
    schedules it: published() shows it once the time has passed). Keeps the
    publication time of an article that was public before (a republished
    article keeps its date), unless ``when`` is given. ``Article.save()`` pins
    the site notices in force on first publication. ``save=False`` sets the
    fields for a save the caller makes next (a new article's first)."""
    now = timezone.now()
    article.status = Article.Status.PUBLISHED
    if when is not None:
        article.publish_at = when
    elif article.publish_at is None or article.publish_at > now:
        article.publish_at = now
    if save:
        with transaction.atomic():
            article.save()
    return article


@transaction.atomic
def unpublish(article):
    """Take the article off the site: back to draft, its text kept."""
    article.status = Article.Status.DRAFT
    article.pending_change_at = None
    article.save()
    return article


@transaction.atomic
def repin_notices(article, *, when=None):
    """Show the site notices in force at ``when`` (now) on this article."""
    article.notices_pinned_at = when or timezone.now()
    article.save(update_fields=["notices_pinned_at", "updated_at"])
    return article


def set_review_state(article, status):
    """Move an unpublished article between draft, in review and changes
    requested (the editorial desk decides who may)."""
    if article.status == Article.Status.PUBLISHED:
        raise ValueError("A published article's review state lives on its draft.")
    article.status = status
    article.save(update_fields=["status", "updated_at"])
    return article
