"""Saves made outside the desk (the shell, a script, a data migration's
successor) still leave a revision: the catch-all behind ``services.record``.

The desk's own writes (``services``) record their revisions themselves and set
``services.desk()``, so these receivers stand aside for them. A save here is
recorded when its transaction commits, with the state the database then holds
(the row, its authors, subjects and tags); the several signals of one save make
one revision.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.models import Article, Authorship, ReportArticle

from . import services
from .state import state_of


def _schedule(pk, using="default"):
    if pk is None or services.at_desk():
        return

    def record():
        article = Article.objects.using(using).filter(pk=pk).first()
        if article is None:
            return
        state = state_of(article)
        latest = article.revisions.order_by("-number").first()
        if latest is not None and latest.state == state:
            return  # several signals of one save: recorded once
        revision = services.record(article, state=state)
        if article.is_public:
            revision.published_at = revision.created_at
            revision.save(update_fields=["published_at"])

    transaction.on_commit(record, using=using)


def article_saved(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        _schedule(instance.pk, using)


def relation_saved(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        _schedule(instance.article_id, using)


def relation_changed(sender, instance, action, reverse, using="default", **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(
        instance, Article
    ):
        _schedule(instance.pk, using)


def connect():
    post_save.connect(article_saved, sender=Article, dispatch_uid="editorial-save")
    for model in (Authorship, ReportArticle):
        post_save.connect(relation_saved, sender=model, dispatch_uid=f"ed-{model}")
        post_delete.connect(
            relation_saved, sender=model, dispatch_uid=f"ed-del-{model}"
        )
    for through in (
        Article.regions.through,
        Article.themes.through,
        Article.tags.through,
    ):
        m2m_changed.connect(
            relation_changed, sender=through, dispatch_uid=f"ed-m2m-{through}"
        )
