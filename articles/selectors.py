"""Reads several public surfaces share: which regions, themes, reports, authors
or tags a reader may be shown, decided by ``Article.objects.published()``."""

from django.db.models import Exists, OuterRef

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
