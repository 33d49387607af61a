"""A revision history for the benchmark's publication: 5 revisions an article.

``python -m benchmarks`` runs this in a child process (``python -m
benchmarks.revisions``) when some article has no revision yet, so its memory
does not count against the pages' peak; it can also be run alone with
``DATABASE_URL`` set. Articles that already have a revision (the illustrated
demo set records its own through the signals) are skipped, so an interrupted
run resumes where it stopped.

Each batch of articles costs one ``values()`` query over their rows and one
query per relation (authors, regions, themes, reports, tags); the five states
of an article are that one dict with a different title each, so no more than a
batch of states is ever in memory. About 1% of the live articles also get a
working draft (their 5th revision, which differs from what readers see); one
in ten of those is scheduled, far enough ahead that a reused database never
sees it come due.
"""

import resource
import sys
import time
from collections import defaultdict
from datetime import timedelta

BATCH = 2000  # articles; 5 revisions each
REVISIONS = 5
DRAFT_EVERY = 100  # a working draft on about 1% of the live articles
SCHEDULE_EVERY = 10  # of those drafts, one in ten scheduled
SCHEDULED_AHEAD = timedelta(days=3650)


def row_fields():
    """The article columns a state is made of, and the few the seeding needs."""
    from editorial.state import FLAG_FIELDS, TEXT_FIELDS

    return [
        "pk",
        *TEXT_FIELDS,
        *FLAG_FIELDS,
        "featured_image",
        "featured_image_renditions",
        "original_published_at",
        "status",
        "publish_at",
        "created_at",
    ]


TITLE_VARIANTS = [
    "{title} (first notes)",
    "{title} (outline)",
    "{title} (full draft)",
    "{title} (copy-edited)",
]


def pending():
    """Whether some article has no revision yet (one anti-join, indexed)."""
    from articles.models import Article

    return Article.objects.filter(revisions__isnull=True).exists()


def _grouped(pairs):
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


def _states(rows):
    """``state_of``-shaped dicts for a batch of article rows, keyed by pk: one
    query per relation for the whole batch."""
    from articles.models import Article, Authorship, ReportArticle, TaggedArticle
    from editorial.state import _tag_names

    pks = [row["pk"] for row in rows]
    authors = _grouped(
        Authorship.objects.filter(article_id__in=pks)
        .order_by("article_id", "position", "pk")
        .values_list("article_id", "author_id")
    )
    regions = _grouped(
        Article.regions.through.objects.filter(article_id__in=pks).values_list(
            "article_id", "region_id"
        )
    )
    themes = _grouped(
        Article.themes.through.objects.filter(article_id__in=pks).values_list(
            "article_id", "theme_id"
        )
    )
    reports = _grouped(
        (article, [report, position])
        for article, report, position in ReportArticle.objects.filter(
            article_id__in=pks
        ).values_list("article_id", "report_id", "position")
    )
    tags = _grouped(
        TaggedArticle.objects.filter(content_object_id__in=pks).values_list(
            "content_object_id", "tag__name"
        )
    )
    states = {}
    for row in rows:
        pk = row["pk"]
        image = row["featured_image"] or ""
        date = row["original_published_at"]
        states[pk] = {
            "title": row["title"],
            "slug": row["slug"],
            "standfirst": row["standfirst"] or "",
            "body": row["body"] or "",
            "authors": authors.get(pk, []),
            "regions": sorted(regions.get(pk, [])),
            "themes": sorted(themes.get(pk, [])),
            "reports": sorted(reports.get(pk, [])),
            "tags": _tag_names(tags.get(pk, [])),
            "featured_image": image,
            "featured_image_renditions": (
                list(row["featured_image_renditions"] or []) if image else []
            ),
            "image_alt": row["image_alt"] or "",
            "image_caption": row["image_caption"] or "",
            "image_credit": row["image_credit"] or "",
            "original_outlet": row["original_outlet"] or "",
            "original_url": row["original_url"] or "",
            "original_published_at": date.isoformat() if date else None,
            "is_original_canonical": bool(row["is_original_canonical"]),
            "copyright_override": row["copyright_override"] or "",
            "is_reprintable": bool(row["is_reprintable"]),
        }
    return states


def _seed_batch(rows, now):
    """Five revisions for each article of ``rows``; returns (revisions, drafts)."""
    from django.db import transaction

    from articles.models import Article
    from editorial.models import Draft, Revision

    states = _states(rows)
    revisions, draft_for, scheduled = [], set(), set()
    live = Article.Status.PUBLISHED
    for row in rows:
        pk = row["pk"]
        is_live = row["status"] == live and row["publish_at"] <= now
        has_draft = is_live and pk % DRAFT_EVERY == 0
        if has_draft:
            draft_for.add(pk)
            if pk // DRAFT_EVERY % SCHEDULE_EVERY == 0:
                scheduled.add(pk)
        # Readers see the last revision, or the one before it when the last is
        # the working draft.
        shown = REVISIONS - 1 if has_draft else REVISIONS
        saved_at = row["created_at"] or now
        for number in range(1, REVISIONS + 1):
            state = dict(states[pk])
            if number != shown:
                variant = TITLE_VARIANTS[(number - 1) % len(TITLE_VARIANTS)]
                state["title"] = variant.format(title=row["title"])[:300]
            went_live = None
            if number == shown and row["status"] == live:
                went_live = row["publish_at"]
            revisions.append(
                Revision(
                    article_id=pk,
                    number=number,
                    created_at=saved_at + timedelta(minutes=number),
                    message=f"Benchmark revision {number}",
                    state=state,
                    published_at=went_live,
                )
            )
    reviews = list(Draft.Review)
    with transaction.atomic():
        Revision.objects.bulk_create(revisions, batch_size=1000)
        if draft_for:
            fifth = dict(
                Revision.objects.filter(
                    article_id__in=draft_for, number=REVISIONS
                ).values_list("article_id", "pk")
            )
            go_live = now + SCHEDULED_AHEAD
            Draft.objects.bulk_create(
                Draft(
                    article_id=pk,
                    revision_id=fifth[pk],
                    review=reviews[pk // DRAFT_EVERY % len(reviews)],
                    go_live_at=go_live if pk in scheduled else None,
                )
                for pk in sorted(draft_for)
            )
            if scheduled:
                Article.objects.filter(pk__in=scheduled).update(
                    pending_change_at=go_live
                )
    return len(revisions), len(draft_for)


def seed(batch=BATCH, progress=None):
    """Give every article without a revision its five; returns (articles,
    revisions, drafts) created."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from articles.models import Article
    from editorial.models import Revision

    now = timezone.now()
    articles = revisions = drafts = 0
    last_pk = 0
    todo = Article.objects.filter(
        ~Exists(Revision.objects.filter(article=OuterRef("pk")))
    )
    total = todo.count()
    while True:
        # Keyset pagination: each batch starts after the last pk seen.
        rows = list(
            todo.filter(pk__gt=last_pk).order_by("pk").values(*row_fields())[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1]["pk"]
        made, drafted = _seed_batch(rows, now)
        articles += len(rows)
        revisions += made
        drafts += drafted
        if progress:
            progress(articles, total)
    return articles, revisions, drafts


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    import django

    django.setup()
    started = time.perf_counter()

    def progress(done, total):
        if done % 20_000 < BATCH or done == total:
            elapsed = time.perf_counter() - started
            print(f"  revisions: {done:,}/{total:,} articles ({elapsed:.0f} s)")

    articles, revisions, drafts = seed(progress=progress)
    print(
        f"revision history: {revisions:,} revisions of {articles:,} articles and "
        f"{drafts:,} working drafts in {time.perf_counter() - started:.0f} s, "
        f"peak memory {peak_rss_mb():.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
