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
from django.db.models import Value
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


def _existing(wanted):
    """``{model: pks}``: of the pks named for each model, those that still
    exist (a draft may name an author deleted since), in their order; one
    query for all the models."""
    queries = [
        model.objects.filter(pk__in=pks)
        .order_by()
        .annotate(kind=Value(model._meta.label))
        .values_list("kind", "pk")
        for model, pks in wanted.items()
        if pks
    ]
    found = set()
    if queries:
        found = set(queries[0].union(*queries[1:], all=True).order_by())
    return {
        model: [pk for pk in pks if (model._meta.label, pk) in found]
        for model, pks in wanted.items()
    }


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


def _set_links(article, through, column, wanted, *, new, article_field="article"):
    """The rows of the link table ``through`` for ``article`` name exactly the
    pks ``wanted`` in ``column``: at most three queries (one for a new
    article, which has none yet), where ``.set()`` takes a few per relation
    (an import writes thousands of articles). No ``m2m_changed``: the article's
    own save, first in the same transaction, has told the caches
    (``articles.changes`` reads its subjects once it commits) and moved the
    listings' newest edit."""
    wanted = set(wanted)
    current = set()
    if not new:
        rows = through.objects.filter(**{article_field: article})
        current = set(rows.values_list(column, flat=True))
        if current - wanted:
            rows.filter(**{f"{column}__in": current - wanted}).delete()
    through.objects.bulk_create(
        through(**{article_field: article, column: pk})
        for pk in sorted(wanted - current)
    )


def _set_tags(article, names, *, new=False):
    """``article.tags.set(names)`` in three queries; the names of the tags
    it now has (an existing tag keeps its own case)."""
    tags = _tags_named(names)
    _set_links(
        article,
        TaggedArticle,
        "tag_id",
        [tag.pk for tag in tags],
        new=new,
        article_field="content_object",
    )
    return [tag.name for tag in tags]


@transaction.atomic
def apply_state(article, state):
    """Write ``state`` onto the article row and its relations (one
    transaction) and return the state written, as :func:`state_of` would
    read it back (a draft may name an author deleted since; an existing tag
    keeps its own case). Status, publication time and pinned notices are
    left as they are: the caller decides those."""
    from articles.models import InDepthReport
    from authors.models import Author
    from regions.models import Region
    from themes.models import Theme

    new = article._state.adding
    _set_row_fields(article, state)
    # The form checked this state when it was typed; a rule added since (or
    # another article taking the slug) must not slip through on publication.
    article.full_clean()
    article.save()
    written = _row_fields(article)
    positions = dict(state.get("reports", []))
    existing = _existing(
        {
            Author: state.get("authors", []),
            Region: state.get("regions", []),
            Theme: state.get("themes", []),
            InDepthReport: list(positions),
        }
    )
    authors, regions = existing[Author], existing[Region]
    themes, reports = existing[Theme], existing[InDepthReport]
    _set_links(article, Article.regions.through, "region_id", regions, new=new)
    _set_links(article, Article.themes.through, "theme_id", themes, new=new)
    tags = _set_tags(article, _tag_names(state.get("tags", [])), new=new)
    if not new:
        Authorship.objects.filter(article=article).delete()
    Authorship.objects.bulk_create(
        Authorship(article=article, author_id=pk, position=position)
        for position, pk in enumerate(authors)
    )
    if not new:
        ReportArticle.objects.filter(article=article).delete()
    ReportArticle.objects.bulk_create(
        ReportArticle(article=article, report_id=pk, position=positions[pk])
        for pk in reports
    )
    written.update(
        {
            "authors": authors,
            "regions": sorted(set(regions)),
            "themes": sorted(set(themes)),
            "reports": sorted([pk, positions[pk]] for pk in reports),
            "tags": _tag_names(tags),
        }
    )
    return written


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
