from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
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
