"""A reader asks to reprint an article, an editor approves it in the admin, and
the verification page shows the grant and the attribution."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from authors.models import Author
from publication.models import NoticeVersion, forget_identity
from reprints.models import PermissionGrant, ReplyTemplate, ReprintRequest

pytestmark = pytest.mark.browser


@pytest.fixture
def article(transactional_db, settings):
    settings.REPRINT_MIN_FILL_SECONDS = 0  # Playwright fills forms in no time
    forget_identity()
    NoticeVersion.objects.create(
        kind=NoticeVersion.Kind.REPRINT_TERMS, body="<p>Credit the author.</p>"
    )
    if not ReplyTemplate.objects.filter(kind="approve").exists():
        # The migration's templates are flushed after the first live-server test.
        ReplyTemplate.objects.create(
            kind="approve",
            name="Yes",
            subject="Permission for {article}",
            body="Dear {name}, yes.",
        )
    article = Article.objects.create(
        title="Rivers of Asia",
        slug="rivers-of-asia",
        standfirst="Where the water goes.",
        body="<p>Text.</p>",
        status=Article.Status.PUBLISHED,
        publish_at=timezone.now() - timedelta(hours=1),
    )
    author = Author.objects.create(name="Amira Haddad", slug="amira-haddad")
    article.authorships.create(author=author, position=0)
    return article


def test_request_approve_and_verify(
    page, editor_page, live_server, article, console_errors
):
    # A reader asks for permission from the article page.
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.get_by_role("link", name="Request permission to reprint this article").click()
    page.wait_for_url("**/reprints/request/?article=rivers-of-asia")
    assert page.get_by_text("Rivers of Asia").first.is_visible()
    page.get_by_label("Your name").fill("Bea Reader")
    page.get_by_label("Your e-mail").fill("bea@outlet.example")
    page.get_by_label("Organisation", exact=True).fill("Outlet Weekly")
    page.get_by_label("Outlet address").fill("https://outlet.example/")
    page.get_by_label("Medium").select_option("print")
    page.get_by_label("Language of the reprint").fill("French")
    page.get_by_label("Intended publication date").fill(
        (date.today() + timedelta(days=5)).isoformat()
    )
    page.get_by_label("I have read the reprint terms").check()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/reprints/request/sent/**")
    request = ReprintRequest.objects.get()
    assert page.locator(".reference").inner_text() == request.reference

    # An editor approves it in the admin.
    editor_page.goto(
        f"{live_server.url}/admin/reprints/reprintrequest/{request.pk}/change/"
    )
    editor_page.get_by_role("link", name="Approve…").click()
    assert (
        "Dear Bea Reader,"
        in editor_page.get_by_label("Message to the requester").input_value()
    )
    editor_page.locator("input[type=submit][value=Approve]").click()
    editor_page.wait_for_url(f"**/reprintrequest/{request.pk}/change/")
    request.refresh_from_db()
    assert request.status == ReprintRequest.Status.APPROVED

    # Anyone with the code sees the grant and what to print.
    grant = PermissionGrant.objects.get()
    page.goto(f"{live_server.url}{grant.get_absolute_url()}")
    assert page.get_by_text("This permission is valid.").is_visible()
    text = page.locator("#attribution-text").inner_text()
    assert "Copyright © Amira Haddad" in text
    assert f"{article.get_absolute_url()}" in text
    # copy.js ran under the CSP: it reveals the copy buttons.
    assert page.get_by_role("button", name="Copy text").is_visible()
    assert page.get_by_role("button", name="Copy HTML").is_visible()
    assert console_errors == []
