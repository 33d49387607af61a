"""An article arriving from another system (an importer): written once, and
its first revision holds what was written, as it reads back."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from editorial import services
from editorial.models import AuditEntry
from editorial.state import FIELDS, apply_state, state_of

pytestmark = pytest.mark.django_db


def a_state(**fields):
    state = dict.fromkeys(FIELDS, "")
    state.update(
        {
            "title": "River levels",
            "slug": "river-levels",
            "body": "<p>Low this year.</p>",
            "featured_image_renditions": [],
            "original_published_at": None,
            "is_original_canonical": False,
            "is_reprintable": True,
            "authors": [],
            "regions": [],
            "themes": [],
            "reports": [],
            "tags": [],
        }
    )
    return state | fields


def test_the_first_revision_holds_the_state_as_it_reads_back(
    publisher, make_author, make_region, make_theme, make_report
):
    ann, gone = make_author("Ann"), make_author("Gone")
    asia, water = make_region("Asia"), make_theme("Water")
    dossier = make_report()
    Tag.objects.create(name="Rivers", slug="rivers")
    gone_pk = gone.pk
    gone.delete()
    state = a_state(
        # Sanitised on save; a deleted author is left out; an existing tag
        # keeps its own case; a new one is made.
        body="<p>Low <script>x</script>this year.</p>",
        authors=[gone_pk, ann.pk],
        regions=[asia.pk],
        themes=[water.pk],
        reports=[[dossier.pk, 3]],
        tags=["lakes", "rivers"],
    )
    article = Article()
    revision = services.arrived(
        article,
        state,
        user=publisher,
        publish=True,
        publish_at=timezone.now() - timezone.timedelta(days=3),
        message="Imported",
    )
    article.refresh_from_db()
    assert article.is_public
    assert revision.number == 1 and revision.published_by == publisher
    assert revision.published_at >= article.publish_at
    assert revision.state == state_of(article)
    assert revision.state["authors"] == [ann.pk]
    assert revision.state["tags"] == ["lakes", "Rivers"]
    assert revision.state["reports"] == [[dossier.pk, 3]]
    assert "<script>" not in revision.state["body"]
    assert list(article.revisions.all()) == [revision]
    assert AuditEntry.objects.filter(article=article).count() == 1


def test_applying_a_state_to_an_article_returns_what_reads_back(
    make_article, make_region, make_theme, make_author
):
    asia, europe = make_region("Asia"), make_region("Europe")
    water = make_theme("Water")
    ann, bo = make_author("Ann"), make_author("Bo")
    article = make_article(
        regions=[asia], themes=[water], authors=[ann], tags=["rivers", "dams"]
    )
    state = state_of(article) | {
        "regions": [europe.pk, asia.pk],
        "themes": [],
        "authors": [bo.pk, ann.pk],
        "tags": ["Dams", "lakes"],
    }
    written = apply_state(article, state)
    assert written == state_of(article)
    assert written["regions"] == sorted([asia.pk, europe.pk])
    assert written["themes"] == []
    assert written["authors"] == [bo.pk, ann.pk]
    assert written["tags"] == ["dams", "lakes"]


def test_an_arriving_article_that_fails_validation_is_not_written(publisher):
    article = Article()
    state = a_state(original_url="https://elsewhere.example/a", original_outlet="")
    with pytest.raises(ValidationError, match="outlet"):
        services.arrived(article, state, user=publisher, publish=True)
    assert not Article.objects.exists()
