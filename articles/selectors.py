"""Reads several public surfaces share: which regions, themes, reports, authors
or tags a reader may be shown, decided by ``Article.objects.published()``."""

from django.db.models import Exists, OuterRef
from taggit.models import Tag

from .models import SUBJECT_LOOKUPS, Article


def public_articles_about(model):
    """Public articles filed under the outer query's region, theme, report,
    author or tag, for ``Exists()``."""
    relation = SUBJECT_LOOKUPS[model._meta.label_lower]
    return Article.objects.published().filter(**{relation: OuterRef("pk")})


def with_public_articles(model):
    """The subjects of this kind a reader can open an article of: an author
    known only from drafts, review or scheduled work is nobody's business yet."""
    return model.objects.filter(Exists(public_articles_about(model)))


def public_tags():
    """The tags of at least one public article. Through taggit's TaggedItem,
    like ``search.tagged_article_ids``: filtering on ``Article.tags`` makes
    taggit use a compiler method Django 6.1 deprecates."""
    items = Article.tags.through.objects.filter(
        content_type__app_label="articles",
        content_type__model="article",
        tag_id=OuterRef("pk"),
    )
    public = Article.objects.published().filter(pk=OuterRef("object_id"))
    return Tag.objects.filter(Exists(items.filter(Exists(public))))


def prefetch_tags(articles):
    """Each article's tags in one query that the ``(content_type, object_id)``
    index answers, set as taggit's prefetch so ``article.tags.all()`` reads
    them from memory. taggit's own prefetch joins the content types and asks
    DISTINCT, about three times slower for a page of articles."""
    from django.contrib.contenttypes.models import ContentType

    articles = list(articles)
    by_pk = {article.pk: article for article in articles}
    for article in articles:
        article._prefetched_objects_cache = getattr(
            article, "_prefetched_objects_cache", {}
        )
        article._prefetched_objects_cache["tags"] = []
    if not by_pk:
        return articles
    items = (
        Article.tags.through.objects.filter(
            content_type_id=ContentType.objects.get_for_model(Article).pk,
            object_id__in=list(by_pk),
        )
        .select_related("tag")
        .order_by("tag__name")
    )
    for item in items:
        by_pk[item.object_id]._prefetched_objects_cache["tags"].append(item.tag)
    return articles
