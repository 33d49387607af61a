"""What a change to an article or a subject affects, as surrogate keys.

The one place that decides it (``publication.surrogates`` lists the keys).
Model signals feed it, so every way in is seen: the admin's forms and bulk
actions, the desk's services (``apply_state`` included), importers, the shell.

- An article: whatever changes — a save, a delete, its authors, regions,
  themes, reports or tags, a correction — bumps ``article-<pk>``, the keys of
  its subjects before *and* after the change, and ``listings``; but only if
  it was public before or is public after (a draft's saves bump nothing).
  "Before" is read at the first signal of the transaction, "after" once it
  commits, so a change made of many statements is one bump.
- A region, theme, report, author or tag: saving or deleting it bumps its key
  and ``listings`` (indexes, the search form and the sitemap list them all);
  a new author, report or tag shows nowhere until a public article names it,
  which bumps it then.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Value
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils import timezone

from publication import surrogates

from .models import Article, Authorship, Correction, ReportArticle

NOTHING = (False, frozenset())
# Subjects that have a page (and a place in the indexes) as soon as they exist.
SHOWN_WHEN_NEW = {"region", "theme"}


def public_and_shown(pk, using):
    """``(is public now, the keys of what its page shows)``; no keys for an
    article readers cannot see (one query then, two otherwise)."""
    row = (
        Article.objects.using(using)
        .filter(pk=pk)
        .values_list("status", "publish_at")
        .first()
    )
    if row is None:
        return NOTHING
    status, publish_at = row
    if not (
        status == Article.Status.PUBLISHED
        and publish_at is not None
        and publish_at <= timezone.now()
    ):
        return NOTHING
    return True, frozenset(subject_keys(pk, using)) | {surrogates.key("article", pk)}


def subject_keys(pk, using):
    """The keys of the article's authors, regions, themes, reports and tags,
    in one query."""
    through = {
        "region": (Article.regions.through, "region_id"),
        "theme": (Article.themes.through, "theme_id"),
    }
    queries = [
        model.objects.using(using)
        .filter(article_id=pk)
        .order_by()
        .annotate(kind=Value(kind))
        .values_list("kind", column)
        for kind, (model, column) in {
            "author": (Authorship, "author_id"),
            "report": (ReportArticle, "report_id"),
            **through,
        }.items()
    ]
    tags = (
        Article.tags.through.objects.using(using)
        .filter(
            content_type=ContentType.objects.db_manager(using).get_for_model(Article),
            object_id=pk,
        )
        .order_by()
        .annotate(kind=Value("tag"))
        .values_list("kind", "tag_id")
    )
    rows = queries[0].union(*queries[1:], tags, all=True).order_by()
    return {surrogates.key(kind, subject) for kind, subject in rows}


# Collecting one transaction's articles ------------------------------------------


def _seen(using):
    """``{pk: (public, keys)}`` before the change, for this transaction."""
    state = surrogates.pending(using)
    if "articles" not in state.data:
        state.data["articles"] = {}
        state.finishers.append(_finish)
    return state.data["articles"]


def _finish(state):
    keys = set()
    for pk, (was_public, shown_before) in state.data["articles"].items():
        is_public, shown_after = public_and_shown(pk, state.using)
        if was_public or is_public:
            keys |= {surrogates.key("article", pk), surrogates.LISTINGS}
            keys |= shown_before | shown_after
    return keys


def before(pk, using):
    """The article ``pk`` is about to change: note what readers saw."""
    if pk is None:
        return
    seen = _seen(using)
    if pk not in seen:
        seen[pk] = public_and_shown(pk, using)


def after(pk, using):
    """The article ``pk`` changed (a new one: nothing was seen before)."""
    if pk is not None:
        _seen(using).setdefault(pk, NOTHING)
    surrogates.settle(using)


# Receivers -----------------------------------------------------------------------


def article_will_save(sender, instance, using, **kwargs):
    if not instance._state.adding:
        before(instance.pk, using)


def article_saved(sender, instance, using, **kwargs):
    after(instance.pk, using)


def article_will_delete(sender, instance, using, **kwargs):
    before(instance.pk, using)


def row_will_change(sender, instance, using, **kwargs):
    """An authorship, report entry or correction of an article."""
    before(instance.article_id, using)


def row_changed(sender, instance, using, **kwargs):
    after(instance.article_id, using)


def relation_changed(sender, instance, action, reverse, model, pk_set, using, **kw):
    """Regions, themes or tags added, removed or cleared, from either side."""
    if isinstance(instance, Article):
        pks = [instance.pk]
    elif model is Article and sender is not Article.tags.through:
        pks = list(pk_set or ())
        if action == "pre_clear":
            field = sender._meta.get_field(instance._meta.model_name)
            pks = list(
                sender.objects.using(using)
                .filter(**{field.attname: instance.pk})
                .values_list("article_id", flat=True)
            )
    else:
        return  # taggit's through model serves every taggable model too
    if action.startswith("pre_"):
        for pk in pks:
            before(pk, using)
    else:
        for pk in pks:
            after(pk, using)
        if not pks:
            surrogates.settle(using)


def subject_saved(sender, instance, created, using, **kwargs):
    kind = surrogates.KINDS[sender._meta.label_lower]
    if created and kind not in SHOWN_WHEN_NEW:
        return
    surrogates.changed({surrogates.key_for(instance), surrogates.LISTINGS}, using)


def subject_deleted(sender, instance, using, **kwargs):
    surrogates.changed({surrogates.key_for(instance), surrogates.LISTINGS}, using)


def connect():
    from taggit.models import Tag

    from authors.models import Author
    from regions.models import Region
    from themes.models import Theme

    from .models import InDepthReport

    uid = "surrogates"
    pre_save.connect(article_will_save, sender=Article, dispatch_uid=uid)
    post_save.connect(article_saved, sender=Article, dispatch_uid=uid)
    pre_delete.connect(article_will_delete, sender=Article, dispatch_uid=uid)
    post_delete.connect(article_saved, sender=Article, dispatch_uid=uid)
    for model in (Authorship, ReportArticle, Correction):
        pre_save.connect(row_will_change, sender=model, dispatch_uid=uid)
        post_save.connect(row_changed, sender=model, dispatch_uid=uid)
        pre_delete.connect(row_will_change, sender=model, dispatch_uid=uid)
        post_delete.connect(row_changed, sender=model, dispatch_uid=uid)
    for through in (
        Article.regions.through,
        Article.themes.through,
        Article.tags.through,
    ):
        m2m_changed.connect(relation_changed, sender=through, dispatch_uid=uid)
    for model in (Region, Theme, InDepthReport, Author, Tag):
        post_save.connect(subject_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(subject_deleted, sender=model, dispatch_uid=uid)
