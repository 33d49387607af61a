"""Review, its e-mails, the comments, what waits for whom, the audit log."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from editorial.models import AuditEntry, Comment, Draft, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_draft(make_article, make_author, contributor):
    return make_article(
        "Mine to write", state="draft", created_by=contributor, authors=[make_author()]
    )


def test_submit_tells_the_publishers_once(
    login, contributor, publisher, own_draft, edit_article,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(
            login(contributor),
            own_draft,
            {"review_comment": "Ready, I think."},
            action="submit",
        )
    own_draft.refresh_from_db()
    assert own_draft.status == Article.Status.REVIEW
    assert [m.to for m in mail.outbox] == [[publisher.email]]
    assert "Mine to write" in mail.outbox[0].subject
    assert "Ready, I think." in mail.outbox[0].body
    assert Notification.objects.get().sent_at is not None
    assert Comment.objects.get().author == contributor
    call_command("send_pending_notifications")
    assert len(mail.outbox) == 1  # sent once


def test_a_failed_e_mail_is_kept_and_retried_once(
    login, contributor, publisher, own_draft, edit_article, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_article(login(contributor), own_draft, action="submit")
    assert response.status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.status == Article.Status.REVIEW  # the submission stands
    assert Notification.objects.get().sent_at is None
    monkeypatch.undo()
    call_command("send_pending_notifications")
    call_command("send_pending_notifications")
    assert len(mail.outbox) == 1
    assert Notification.objects.get().sent_at is not None


def test_request_changes_needs_a_comment_and_tells_the_submitter(
    login, contributor, publisher, own_draft, edit_article,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    edit_article(login(contributor), own_draft, action="submit")
    response = edit_article(login(publisher), own_draft, action="request_changes")
    own_draft.refresh_from_db()
    assert own_draft.status == Article.Status.REVIEW
    assert "Say what should change" in login(publisher).get(response.url).text
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(
            login(publisher),
            own_draft,
            {"review_comment": "Cite the 2024 survey."},
            action="request_changes",
        )
    own_draft.refresh_from_db()
    assert own_draft.status == Article.Status.CHANGES
    assert mail.outbox[-1].to == [contributor.email]
    assert "Cite the 2024 survey." in mail.outbox[-1].body
    page = login(contributor).get(
        reverse("admin:articles_article_change", args=[own_draft.pk])
    )
    assert "Cite the 2024 survey." in page.text  # beside the article
    # Changes made: back to draft until submitted again.
    edit_article(login(contributor), own_draft, {"title": "Mine, with the survey"})
    own_draft.refresh_from_db()
    assert own_draft.status == Article.Status.DRAFT


def test_publishing_tells_the_submitter(
    login, contributor, publisher, own_draft, edit_article,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    edit_article(login(contributor), own_draft, action="submit")
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(login(publisher), own_draft, action="publish")
    assert mail.outbox[-1].to == [contributor.email]
    assert "Published" in mail.outbox[-1].subject


def test_draft_of_a_live_article_goes_through_review(
    login, editor, publisher, live_article, edit_article
):
    edit_article(
        login(editor), live_article, {"title": "Reviewed title"}, action="submit"
    )
    draft = Draft.objects.get(article=live_article)
    assert draft.review == Draft.Review.REVIEW
    listing = login(publisher).get(
        reverse("admin:articles_article_changelist") + "?state=review"
    )
    assert "The live title" in listing.text
    assert "draft changes not yet published (in review)" in listing.text
    edit_article(
        login(publisher),
        live_article,
        {"review_comment": "Shorter, please."},
        action="request_changes",
    )
    draft.refresh_from_db()
    assert draft.review == Draft.Review.CHANGES


def test_the_admin_index_shows_what_waits(
    login, contributor, publisher, own_draft, make_article, edit_article
):
    make_article("Someone else's", state="review")
    edit_article(login(contributor), own_draft, action="submit")
    page = login(publisher).get(reverse("admin:index"))
    assert "Waiting for you" in page.text
    assert "In review" in page.text
    assert '?state=review">In review</a></th><td>2</td>' in page.text
    edit_article(
        login(publisher),
        own_draft,
        {"review_comment": "More."},
        action="request_changes",
    )
    page = login(contributor).get(reverse("admin:index"))
    assert "Changes requested of you" in page.text
    assert "</a></th><td>1</td>" in page.text
    mine = login(contributor).get(
        reverse("admin:articles_article_changelist") + "?state=changes&mine=1"
    )
    assert "Mine to write" in mine.text


def test_the_audit_log_lists_who_did_what(
    login, editor, publisher, live_article, edit_article
):
    edit_article(login(editor), live_article, {"title": "Audited"}, action="submit")
    edit_article(login(publisher), live_article, action="publish", change_kind="silent")
    login(publisher).post(
        reverse("admin:articles_article_unpublish", args=[live_article.pk])
    )
    actions = list(
        AuditEntry.objects.order_by("created_at", "pk").values_list("action", "user")
    )
    assert actions == [
        ("submitted", editor.pk),
        ("published", publisher.pk),
        ("unpublished", publisher.pk),
    ]
    client = login(publisher)
    url = reverse("admin:editorial_auditentry_changelist")
    assert client.get(url).status_code == 200
    filtered = client.get(
        f"{url}?action__exact=published&user__id__exact={publisher.pk}"
    )
    assert filtered.status_code == 200
    assert "Audited" in filtered.text
    assert client.get(f"{url}?action__exact=deleted").context["cl"].result_count == 0


def test_deleting_is_logged_and_keeps_the_title(login, publisher, make_article):
    article = make_article("Gone soon")
    client = login(publisher)
    client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )
    assert not Article.objects.filter(pk=article.pk).exists()
    entry = AuditEntry.objects.get(action="deleted")
    assert entry.article_title == "Gone soon" and entry.user == publisher


def test_a_contributor_edits_what_they_are_credited_on(
    login, contributor, make_article, make_author, edit_article
):
    credited = make_author("Carla Diaz", user=contributor)
    theirs = make_article("Credited draft", state="draft", authors=[credited])
    other = make_article("Not theirs", state="draft", authors=[make_author()])
    assert (
        edit_article(login(contributor), theirs, {"title": "Edited"}).status_code == 302
    )
    url = reverse("admin:articles_article_change", args=[other.pk])
    page = login(contributor).get(url)
    assert page.status_code == 200 and "View article" in page.text  # read only
    response = login(contributor).post(url, {"title": "Hijacked", "_action": "save"})
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.title == "Not theirs"
