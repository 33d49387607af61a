"""Factories every test folder uses: authors, regions, themes, reports, articles,
and an editor who may preview drafts."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Authorship, InDepthReport, ReportArticle
from authors.models import Author
from regions.models import Region
from themes.models import Theme

_numbers = itertools.count(1)


@pytest.fixture
def make_author(db):
    def make(name=None, **fields):
        number = next(_numbers)
        name = name or f"Author {number}"
        fields.setdefault("slug", f"author-{number}")
        return Author.objects.create(name=name, **fields)

    return make


@pytest.fixture
def make_region(db):
    def make(name=None, **fields):
        number = next(_numbers)
        fields.setdefault("slug", f"region-{number}")
        return Region.objects.create(name=name or f"Region {number}", **fields)

    return make


@pytest.fixture
def make_theme(db):
    def make(name=None, **fields):
        number = next(_numbers)
        fields.setdefault("slug", f"theme-{number}")
        return Theme.objects.create(name=name or f"Theme {number}", **fields)

    return make


@pytest.fixture
def make_report(db):
    def make(title=None, articles=(), **fields):
        number = next(_numbers)
        fields.setdefault("slug", f"report-{number}")
        report = InDepthReport.objects.create(
            title=title or f"Report {number}", **fields
        )
        for position, article in enumerate(articles):
            ReportArticle.objects.create(
                report=report, article=article, position=position
            )
        return report

    return make


@pytest.fixture
def make_article(db):
    """An article; published an hour ago unless told otherwise.

    ``state``: "published", "draft", "review", "scheduled" (published status,
    time tomorrow) or "unpublished" (was public, moved back to draft).
    """

    def make(
        title=None,
        *,
        state="published",
        authors=(),
        regions=(),
        themes=(),
        tags=(),
        publish_at=None,
        **fields,
    ):
        number = next(_numbers)
        title = title or f"Article {number}"
        fields.setdefault("slug", f"article-{number}")
        fields.setdefault("standfirst", f"Standfirst of {title}.")
        fields.setdefault("body", f"<p>Body of {title}.</p>")
        now = timezone.now()
        status = {
            "published": Article.Status.PUBLISHED,
            "scheduled": Article.Status.PUBLISHED,
            "draft": Article.Status.DRAFT,
            "review": Article.Status.REVIEW,
            "unpublished": Article.Status.PUBLISHED,
        }[state]
        if publish_at is None:
            publish_at = (
                now + timedelta(days=1)
                if state == "scheduled"
                else (now - timedelta(hours=1))
            )
        article = Article.objects.create(
            title=title, status=status, publish_at=publish_at, **fields
        )
        for position, author in enumerate(authors):
            Authorship.objects.create(article=article, author=author, position=position)
        article.regions.set(regions)
        article.themes.set(themes)
        if tags:
            article.tags.set(list(tags))
        if state == "unpublished":
            article.status = Article.Status.DRAFT
            article.save()
        return article

    return make


@pytest.fixture
def staff_client(client, django_user_model):
    """An editor: staff in the Editor group, so they may preview drafts."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "editor", "editor@example.org", "a-long-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    client.force_login(user)
    return client
