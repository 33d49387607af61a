from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Authorship


@pytest.fixture
def now():
    return timezone.now()


def test_published_is_status_and_time(make_article, now):
    public = make_article("Public", publish_at=now - timedelta(seconds=1))
    make_article("Scheduled", state="scheduled", publish_at=now + timedelta(seconds=1))
    make_article("Draft", state="draft")
    make_article("In review", state="review")
    assert list(Article.objects.published()) == [public]


def test_article_becomes_public_when_its_time_passes(make_article, now):
    article = make_article(state="scheduled", publish_at=now + timedelta(seconds=1))
    assert not Article.objects.published().filter(pk=article.pk).exists()
    Article.objects.filter(pk=article.pk).update(publish_at=now - timedelta(seconds=1))
    assert Article.objects.published().filter(pk=article.pk).exists()


@pytest.mark.django_db
def test_publishing_without_a_time_means_now():
    article = Article.objects.create(title="T", slug="t", status="published")
    assert article.publish_at is not None
    assert article.publish_at <= timezone.now()
    assert article.notices_pinned_at is not None


@pytest.mark.django_db
def test_full_clean_of_a_published_article_without_time_passes():
    article = Article(title="T", slug="t", status="published")
    article.full_clean()
    assert article.publish_at is not None


@pytest.mark.django_db
def test_image_needs_credit_and_alt_text():
    article = Article(title="T", slug="t", featured_image="images/x.jpg")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "image_credit" in error.value.message_dict
    assert "image_alt" in error.value.message_dict


@pytest.mark.django_db
def test_database_refuses_an_image_without_credit():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="T", slug="t", featured_image="images/x.jpg")


@pytest.mark.django_db
def test_the_check_constraints_are_validated_together_and_named_apart(
    django_assert_max_num_queries,
):
    fine = Article(title="T", slug="t", status="published", publish_at=timezone.now())
    with django_assert_max_num_queries(3):  # one query, in a savepoint
        fine.validate_constraints()
    broken = Article(
        title="T",
        slug="t",
        status="published",
        featured_image="images/x.jpg",
        original_url="https://example.org/a",
    )
    with pytest.raises(ValidationError) as error:
        broken.validate_constraints()
    messages = " ".join(error.value.messages)
    assert "article_image_needs_credit" in messages
    assert "article_published_has_time" in messages
    assert "article_original_url_needs_outlet" in messages
    # Excluding a field leaves out the constraints that name it, as Django does.
    with pytest.raises(ValidationError) as error:
        broken.validate_constraints(exclude={"featured_image"})
    assert "article_image_needs_credit" not in " ".join(error.value.messages)


@pytest.mark.django_db
def test_original_address_needs_an_outlet():
    article = Article(title="T", slug="t", original_url="https://example.org/a")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "original_outlet" in error.value.message_dict


@pytest.mark.django_db
def test_canonical_original_needs_an_address():
    article = Article(title="T", slug="t", is_original_canonical=True)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "is_original_canonical" in error.value.message_dict


@pytest.mark.django_db
def test_slug_is_unique(make_article):
    make_article(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="same")


def test_copyright_line_names_authors_in_order_publication_and_year(
    make_article, make_author, settings
):
    first, second = make_author("Zoë Adams"), make_author("Bo Chen")
    article = make_article(
        authors=[first, second], publish_at=timezone.now() - timedelta(days=1)
    )
    Authorship.objects.filter(article=article, author=second).update(position=0)
    Authorship.objects.filter(article=article, author=first).update(position=1)
    line = article.copyright_line()
    year = article.publish_at.year
    assert line.startswith("Copyright © Bo Chen, Zoë Adams, ")
    assert line.endswith(f", {year}")


def test_copyright_year_of_a_cross_post_is_the_original_year(make_article):
    article = make_article(
        original_outlet="The Other Review",
        original_url="https://example.org/a",
        original_published_at=date(2019, 5, 1),
    )
    assert article.copyright_line().endswith(", 2019")
    assert article.is_cross_post


def test_copyright_override_wins(make_article):
    article = make_article(copyright_override="© The Other Review 2019")
    assert article.copyright_line() == "© The Other Review 2019"


def test_every_model_has_a_public_address(
    make_article, make_author, make_region, make_theme, make_report
):
    article = make_article(slug="water")
    assert article.get_absolute_url() == "/articles/water/"
    assert make_author(slug="ann").get_absolute_url() == "/authors/ann/"
    assert make_region(slug="sahel").get_absolute_url() == "/regions/sahel/"
    assert make_theme(slug="energy").get_absolute_url() == "/themes/energy/"
    assert make_report(slug="dams").get_absolute_url() == "/reports/dams/"
    assert str(article) == article.title


def test_tags_are_added_and_filtered(make_article):
    tagged = make_article(tags=["Water", "Energy"])
    make_article(tags=["Energy"])
    assert set(tagged.tags.names()) == {"Water", "Energy"}
    assert list(Article.objects.filter(tags__slug="water")) == [tagged]
    # Case-insensitive tags: "energy" is the same tag as "Energy".
    tagged.tags.add("energy")
    assert set(tagged.tags.names()) == {"Water", "Energy"}
    assert Article.objects.filter(tags__slug="energy").count() == 2


def test_is_public_agrees_with_published(make_article, now):
    articles = [
        make_article(publish_at=now - timedelta(seconds=1)),
        make_article(state="scheduled", publish_at=now + timedelta(seconds=1)),
        make_article(state="draft"),
        make_article(state="review"),
        make_article(state="unpublished"),
    ]
    public = set(Article.objects.published().values_list("pk", flat=True))
    for article in articles:
        assert article.is_public == (article.pk in public), article.status


def test_a_tag_with_accents_gets_an_address(client, make_article):
    article = make_article(tags=["Été", "Ñandú"])
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "/tags/ete/" in response.text
    assert client.get("/tags/ete/").status_code == 200
