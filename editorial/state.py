"""The editable state of an article, as one JSON-able dict.

A revision stores this dict; the working draft of a live article is one. It holds
everything an editor can change — the text fields, the featured image (its
stored name and renditions) with alt text, caption and credit, provenance and
rights — and the relations: authors in byline order, regions, themes, in-depth
reports with the article's place in each, and tags. Workflow fields (status,
publication time, pinned notices) are not content: the audit log and the
revisions' ``published_at`` record those.

Three ways in and out:
- :func:`state_of` reads a saved article from the database;
- :func:`state_from_form` reads what an editor typed into the admin form and its
  inlines, without writing the article (a new image is stored under its random
  name, as every upload is);
- :func:`apply_state` writes a state onto the article row and its relations
  (publishing a draft, restoring into an unpublished article), and
  :func:`article_from_state` builds an unsaved copy to render a preview with.
"""

import datetime

from django.db import transaction
from taggit.models import Tag

from articles.models import Article, Authorship, ReportArticle, TaggedArticle

TEXT_FIELDS = [
    "title",
    "slug",
    "standfirst",
    "body",
    "image_alt",
    "image_caption",
    "image_credit",
    "original_outlet",
    "original_url",
    "copyright_override",
]
FLAG_FIELDS = ["is_original_canonical", "is_reprintable"]
IMAGE_FIELD = "featured_image"
RELATIONS = ["authors", "regions", "themes", "reports", "tags"]
# Every key of a state, in the order the compare view shows them.
FIELDS = [
    "title",
    "slug",
    "standfirst",
    "body",
    "authors",
    "regions",
    "themes",
    "reports",
    "tags",
    "featured_image",
    "image_alt",
    "image_caption",
    "image_credit",
    "original_outlet",
    "original_url",
    "original_published_at",
    "is_original_canonical",
    "copyright_override",
    "is_reprintable",
]


def _row_fields(article):
    state = {name: getattr(article, name) or "" for name in TEXT_FIELDS}
    state.update({name: bool(getattr(article, name)) for name in FLAG_FIELDS})
    image = getattr(article, IMAGE_FIELD)
    state[IMAGE_FIELD] = image.name if image else ""
    state["featured_image_renditions"] = (
        list(article.featured_image_renditions or []) if image else []
    )
    date = article.original_published_at
    state["original_published_at"] = date.isoformat() if date else None
    return state


def _tag_names(names):
    """Tags compared without regard to case (TAGGIT_CASE_INSENSITIVE)."""
    unique = {}
    for name in names:
        name = str(name).strip()
        if name:
            unique.setdefault(name.lower(), name)
    return sorted(unique.values(), key=str.lower)


def state_of(article):
    """The saved state of ``article`` (a few small queries)."""
    state = _row_fields(article)
    state["authors"] = list(
        Authorship.objects.filter(article=article)
        .order_by("position", "pk")
        .values_list("author_id", flat=True)
    )
    state["regions"] = sorted(article.regions.values_list("pk", flat=True))
    state["themes"] = sorted(article.themes.values_list("pk", flat=True))
    state["reports"] = sorted(
        [report, position]
        for report, position in ReportArticle.objects.filter(
            article=article
        ).values_list("report_id", "position")
    )
    state["tags"] = _tag_names(
        Article.tags.through.objects.filter(content_object=article).values_list(
            "tag__name", flat=True
        )
    )
    return state


def _inline_rows(formsets, model, key):
    """``(object pk, position)`` of each kept row of the inline for ``model``,
    in the order the editor gave (position, then the order on the page);
    None when the form had no such inline."""
    for formset in formsets:
        if formset.model is not model:
            continue
        rows = []
        for index, form in enumerate(formset.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get(key) is None:
                continue
            rows.append((data.get("position") or 0, index, data[key].pk))
        rows.sort()
        return [(pk, position) for position, _index, pk in rows]
    return None


def state_from_form(form, formsets, fallback):
    """The state an editor submitted in the article form and its inlines.

    ``form.instance`` has the typed values applied in memory (ModelForm's
    cleaning does that) and is not saved. A field the form does not show (read
    only for this user) keeps its value from ``fallback``, the state the form
    was opened on."""
    instance = form.instance
    image = getattr(instance, IMAGE_FIELD)
    if image and not image._committed:
        # Stored under a new random name; the live article still points at
        # its own image until this state is published.
        image.save(image.name, image.file, save=False)
    state = dict(fallback)
    state.update(
        {
            key: value
            for key, value in _row_fields(instance).items()
            if key in form.fields or key == "featured_image_renditions"
        }
    )
    if IMAGE_FIELD not in form.fields:
        state[IMAGE_FIELD] = fallback[IMAGE_FIELD]
        state["featured_image_renditions"] = fallback["featured_image_renditions"]
    for name in ("regions", "themes"):
        if name in form.fields:
            state[name] = sorted(obj.pk for obj in form.cleaned_data[name])
    if "tags" in form.fields:
        state["tags"] = _tag_names(form.cleaned_data["tags"])
    authors = _inline_rows(formsets, Authorship, "author")
    if authors is not None:
        state["authors"] = [pk for pk, _position in authors]
    reports = _inline_rows(formsets, ReportArticle, "report")
    if reports is not None:
        state["reports"] = sorted([pk, position] for pk, position in reports)
    return state


def _existing(model, pks):
    """The pks that still exist (a draft may name an author deleted since)."""
    found = set(model.objects.filter(pk__in=pks).values_list("pk", flat=True))
    return [pk for pk in pks if pk in found]


def _set_row_fields(article, state):
    for name in TEXT_FIELDS:
        setattr(article, name, state.get(name, ""))
    for name in FLAG_FIELDS:
        setattr(article, name, bool(state.get(name)))
    setattr(article, IMAGE_FIELD, state.get(IMAGE_FIELD) or "")
    article.featured_image_renditions = state.get("featured_image_renditions") or []
    date = state.get("original_published_at")
    article.original_published_at = datetime.date.fromisoformat(date) if date else None


def _tags_named(names):
    """The tags of these names (any case, as TAGGIT_CASE_INSENSITIVE matches
    them), created when missing: one query when they all exist."""
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    tags = []
    for name in names:
        tag = found.get(name) or Tag.objects.filter(name__iexact=name).first()
        tags.append(tag or Tag.objects.create(name=name))
    return tags


def _set_tags(article, names):
    """``article.tags.set(names)`` in three queries instead of a few per tag
    (an import writes thousands of articles). The article's own save has
    already changed the caches' validators."""
    wanted = {tag.pk for tag in _tags_named(names)}
    rows = TaggedArticle.objects.filter(content_object=article)
    current = set(rows.values_list("tag_id", flat=True))
    if current - wanted:
        rows.filter(tag_id__in=current - wanted).delete()
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag_id=pk)
        for pk in sorted(wanted - current)
    )


@transaction.atomic
def apply_state(article, state):
    """Write ``state`` onto the article row and its relations (one
    transaction). Status, publication time and pinned notices are left as
    they are: the caller decides those."""
    from articles.models import InDepthReport
    from authors.models import Author
    from regions.models import Region
    from themes.models import Theme

    _set_row_fields(article, state)
    # The form checked this state when it was typed; a rule added since (or
    # another article taking the slug) must not slip through on publication.
    article.full_clean()
    article.save()
    article.regions.set(_existing(Region, state.get("regions", [])))
    article.themes.set(_existing(Theme, state.get("themes", [])))
    _set_tags(article, _tag_names(state.get("tags", [])))
    Authorship.objects.filter(article=article).delete()
    Authorship.objects.bulk_create(
        Authorship(article=article, author_id=pk, position=position)
        for position, pk in enumerate(_existing(Author, state.get("authors", [])))
    )
    ReportArticle.objects.filter(article=article).delete()
    reports = dict(state.get("reports", []))
    ReportArticle.objects.bulk_create(
        ReportArticle(article=article, report_id=pk, position=reports[pk])
        for pk in _existing(InDepthReport, list(reports))
    )
    return article


def article_from_state(article, state):
    """An unsaved copy of ``article`` showing ``state``, whose relations answer
    ``.all()`` from memory: for rendering a preview with the public template,
    and for opening the change form on a draft."""
    from articles.models import InDepthReport
    from authors.models import Author
    from regions.models import Region
    from themes.models import Theme

    copy = Article(
        **{
            field.attname: getattr(article, field.attname)
            for field in Article._meta.concrete_fields
        }
    )
    copy._state.adding = article._state.adding
    copy._state.db = article._state.db
    _set_row_fields(copy, state)
    authors = Author.objects.in_bulk(state.get("authors", []))
    regions = Region.objects.in_bulk(state.get("regions", []))
    themes = Theme.objects.in_bulk(state.get("themes", []))
    report_positions = dict(state.get("reports", []))
    reports = InDepthReport.objects.in_bulk(list(report_positions))
    existing_tags = {
        tag.name.lower(): tag
        for tag in Tag.objects.filter(name__in=state.get("tags", []))
    }
    copy._prefetched_objects_cache = {
        "authorships": [
            Authorship(article=copy, author=authors[pk], position=position)
            for position, pk in enumerate(state.get("authors", []))
            if pk in authors
        ],
        "regions": [regions[pk] for pk in state.get("regions", []) if pk in regions],
        "themes": [themes[pk] for pk in state.get("themes", []) if pk in themes],
        "reports": [
            reports[pk]
            for pk in sorted(report_positions, key=report_positions.get)
            if pk in reports
        ],
        # A tag not yet stored gets the slug taggit will give it, so the
        # page can link to it as it will once published.
        "tags": [
            existing_tags.get(name.lower()) or Tag(name=name, slug=Tag().slugify(name))
            for name in state.get("tags", [])
        ],
    }
    return copy
