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

from .models import Article, Authorship, Correction, ReportArticle, TaggedArticle

NOTHING = (False, frozenset())
# Subjects that have a page (and a place in the indexes) as soon as they exist.
SHOWN_WHEN_NEW = {"region", "theme"}


def public_and_shown(pk, using):
    """``(is public now, the keys of what its page shows)``; no keys for an
    article readers cannot see (one query then, two otherwise)."""
    return public_and_shown_many([pk], using).get(pk, NOTHING)


def public_and_shown_many(pks, using):
    """``{pk: public_and_shown(pk)}`` for the articles ``pks`` (a deleted
    one: nothing), in two queries for all of them."""
    now = timezone.now()
    public = {
        pk
        for pk, status, publish_at in Article.objects.using(using)
        .filter(pk__in=pks)
        .order_by()
        .values_list("pk", "status", "publish_at")
        if status == Article.Status.PUBLISHED
        and publish_at is not None
        and publish_at <= now
    }
    keys = {pk: {surrogates.key("article", pk)} for pk in public}
    for pk, key in subject_keys_many(public, using):
        keys[pk].add(key)
    shown = dict.fromkeys(pks, NOTHING)
    for pk in public:
        shown[pk] = (True, frozenset(keys[pk]))
    return shown


def subject_keys(pk, using):
    """The keys of the article's authors, regions, themes, reports and tags,
    in one query."""
    return {key for _pk, key in subject_keys_many([pk], using)}


def subject_keys_many(pks, using):
    """``(article pk, key)`` of the authors, regions, themes, reports and
    tags of the articles ``pks``, in one query (none for no articles)."""
    if not pks:
        return []
    through = {
        "region": (Article.regions.through, "region_id"),
        "theme": (Article.themes.through, "theme_id"),
    }
    queries = [
        model.objects.using(using)
        .filter(article_id__in=pks)
        .order_by()
        .annotate(kind=Value(kind))
        .values_list("article_id", "kind", column)
        for kind, (model, column) in {
            "author": (Authorship, "author_id"),
            "report": (ReportArticle, "report_id"),
            **through,
        }.items()
    ]
    tags = (
        Article.tags.through.objects.using(using)
        .filter(content_object_id__in=pks)
        .order_by()
        .annotate(kind=Value("tag"))
        .values_list("content_object_id", "kind", "tag_id")
    )
    rows = queries[0].union(*queries[1:], tags, all=True).order_by()
    return [(pk, surrogates.key(kind, subject)) for pk, kind, subject in rows]


# Collecting one transaction's articles ------------------------------------------


def _seen(using):
    """``{pk: (public, keys)}`` before the change, for this transaction."""
    state = surrogates.pending(using)
    if "articles" not in state.data:
        state.data["articles"] = {}
        state.finishers.append(_finish)
    return state.data["articles"]


def _finish(states):
    """The keys of the articles the committed ``states`` changed: what each
    showed before any of them and what it shows now, read once for all (an
    import's batch) and an article changed by several merged."""
    keys = set()
    for using in {state.using for state in states}:
        before = {}
        for state in states:
            if state.using != using:
                continue
            for pk, (was_public, shown) in state.data["articles"].items():
                was, seen = before.get(pk, NOTHING)
                before[pk] = (was or was_public, seen | shown)
        after = public_and_shown_many(list(before), using)
        for pk, (was_public, shown_before) in before.items():
            is_public, shown_after = after.get(pk, NOTHING)
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
    """Authors, regions, themes or tags added, removed or cleared, from either
    side."""
    if isinstance(instance, Article):
        pks = [instance.pk]
    elif model is Article:
        pks = list(pk_set or ())
        if action == "pre_clear":
            field = sender._meta.get_field(instance._meta.model_name)
            article = "content_object_id" if sender is TaggedArticle else "article_id"
            pks = list(
                sender.objects.using(using)
                .filter(**{field.attname: instance.pk})
                .values_list(article, flat=True)
            )
    else:
        return
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
    # Authorship rows written by ``article.authors.add()`` and the like are
    # bulk-created: no post_save, only m2m_changed.
    for through in (
        Article.authors.through,
        Article.regions.through,
        Article.themes.through,
        Article.tags.through,
    ):
        m2m_changed.connect(relation_changed, sender=through, dispatch_uid=uid)
    for model in (Region, Theme, InDepthReport, Author, Tag):
        post_save.connect(subject_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(subject_deleted, sender=model, dispatch_uid=uid)
