from django.apps import AppConfig
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_save,
)
from django.utils.translation import gettext_lazy as _


def restore_search_index(sender, using, **kwargs):
    from .search import ensure_sqlite_fts

    ensure_sqlite_fts(using=using)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        # SQLite rebuilds a table for most migrations of articles_article, which
        # drops the full-text triggers; put them back after every migrate.
        post_migrate.connect(restore_search_index, sender=self)
        connect_former_slugs()
        from . import changes

        changes.connect()
        connect_listing_changes()


def connect_listing_changes():
    """What the cached readings of the listings (page boundaries, counts, the
    sitemap) cannot see in the articles' ``updated_at``: a deletion, or a
    change of an article's authors, reports, regions, themes or tags."""
    from .models import Article, Authorship, ReportArticle, TaggedArticle
    from .selectors import listings_changed

    for model in (Article, Authorship, ReportArticle, TaggedArticle):
        uid = f"listings_{model._meta.label_lower}"
        post_delete.connect(listings_changed, sender=model, dispatch_uid=uid)
    for model in (Authorship, ReportArticle, TaggedArticle):
        uid = f"listings_{model._meta.label_lower}"
        post_save.connect(listings_changed, sender=model, dispatch_uid=uid)
    for through in (Article.regions.through, Article.themes.through, TaggedArticle):
        uid = f"listings_m2m_{through._meta.label_lower}"
        m2m_changed.connect(listings_changed, sender=through, dispatch_uid=uid)


def connect_former_slugs():
    """Old slugs of everything with a public page keep redirecting
    (``publication.addresses``); articles knows every such model."""
    from taggit.models import Tag

    from authors.models import Author
    from publication import addresses
    from regions.models import Region
    from themes.models import Theme

    from .models import Article, InDepthReport

    for model in (Article, InDepthReport, Author, Region, Theme, Tag):
        uid = f"former_slugs_{model._meta.label_lower}"
        pre_save.connect(addresses.remember_slug, sender=model, dispatch_uid=uid)
        post_save.connect(addresses.record_former_slug, sender=model, dispatch_uid=uid)
        post_delete.connect(
            addresses.forget_former_slugs, sender=model, dispatch_uid=uid
        )
    pre_save.connect(
        addresses.avoid_former_slug, sender=Tag, dispatch_uid="former_slugs_new_tag"
    )
