from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
