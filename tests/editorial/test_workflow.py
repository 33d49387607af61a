"""The working draft of a live article: readers keep the live version until a
publisher publishes the draft."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from editorial import services
from editorial.models import AuditEntry, Draft, Revision

pytestmark = pytest.mark.django_db


def public_text(client, article):
    client.logout()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.text


def test_editor_saving_a_live_article_stores_a_draft(
    client, login, editor, live_article, edit_article
):
    response = edit_article(
        login(editor),
        live_article,
        {
            "title": "The draft title",
            "body": "<p>The draft body text.</p>",
            "revision_message": "Tightened the lead",
        },
    )
    assert response.status_code == 302
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    draft = Draft.objects.get(article=live_article)
    assert draft.revision.state["title"] == "The draft title"
    assert draft.revision.created_by == editor
    assert draft.revision.message == "Tightened the lead"
    page = public_text(client, live_article)
    assert "The live body text." in page
    assert "The draft" not in page


def test_the_form_opens_on_the_draft(login, editor, live_article, edit_article):
    edit_article(login(editor), live_article, {"title": "The draft title"})
    page = login(editor).get(
        reverse("admin:articles_article_change", args=[live_article.pk])
    )
    assert page.context["adminform"].form.initial["title"] == "The draft title"
    assert "draft changes not yet published" in page.text


def test_draft_relations_do_not_touch_the_live_article(
    client,
    login,
    editor,
    publisher,
    live_article,
    edit_article,
    make_region,
    make_author,
):
    new_region = make_region("Europe")
    new_author = make_author("Bo Chen")
    edit_article(
        login(editor),
        live_article,
        {
            "regions": [str(new_region.pk)],
            "tags": "rivers, dams",
            "authorships-0-author": str(new_author.pk),
        },
    )
    live_article.refresh_from_db()
    assert [r.name for r in live_article.regions.all()] == ["Asia"]
    assert sorted(live_article.tags.names()) == ["rivers"]
    assert [a.name for a in live_article.ordered_authors()] == ["Ann Lee"]
    draft = Draft.objects.get(article=live_article).revision.state
    assert draft["regions"] == [new_region.pk]
    assert draft["tags"] == ["dams", "rivers"]
    assert draft["authors"] == [new_author.pk]

    edit_article(login(publisher), live_article, action="publish", change_kind="silent")
    live_article.refresh_from_db()
    assert [r.name for r in live_article.regions.all()] == ["Europe"]
    assert sorted(live_article.tags.names()) == ["dams", "rivers"]
    assert [a.name for a in live_article.ordered_authors()] == ["Bo Chen"]
    assert not Draft.objects.filter(article=live_article).exists()
    assert "Bo Chen" in public_text(client, live_article)


def test_publisher_publishes_the_draft(
    client, login, editor, publisher, live_article, edit_article
):
    edit_article(login(editor), live_article, {"title": "The draft title"})
    edit_article(login(publisher), live_article, action="publish", change_kind="silent")
    live_article.refresh_from_db()
    assert live_article.title == "The draft title"
    assert "The draft title" in public_text(client, live_article)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PUBLISHED)
    assert entry.user == publisher
    assert entry.revision.published_by == publisher


def test_editor_cannot_publish_by_crafted_post(
    client, login, editor, live_article, edit_article
):
    response = edit_article(
        login(editor), live_article, {"title": "Sneaky"}, action="publish"
    )
    assert response.status_code == 403
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    assert not Draft.objects.exists()


def test_republishing_keeps_the_publication_date(
    login, editor, publisher, live_article, edit_article
):
    published_at = live_article.publish_at
    edit_article(login(editor), live_article, {"title": "New"})
    edit_article(login(publisher), live_article, action="publish", change_kind="silent")
    live_article.refresh_from_db()
    assert live_article.publish_at == published_at


def test_scheduled_draft_goes_live_at_its_time_without_cron(
    client, login, editor, publisher, live_article, edit_article, monkeypatch
):
    edit_article(login(editor), live_article, {"title": "Tomorrow's title"})
    when = timezone.localtime() + timedelta(hours=2)
    edit_article(
        login(publisher),
        live_article,
        action="schedule",
        change_kind="silent",
        schedule_at_0=when.strftime("%Y-%m-%d"),
        schedule_at_1=when.strftime("%H:%M:%S"),
    )
    live_article.refresh_from_db()
    assert live_article.pending_change_at is not None
    assert "The live title" in public_text(client, live_article)

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    from editorial import due

    due.forget()
    page = public_text(client, live_article)
    assert "Tomorrow&#x27;s title" in page or "Tomorrow's title" in page
    live_article.refresh_from_db()
    assert live_article.title == "Tomorrow's title"
    assert live_article.pending_change_at is None
    assert not Draft.objects.exists()


def test_scheduling_a_new_article_uses_the_publication_time(
    login, publisher, make_article, make_author, edit_article
):
    draft = make_article("Soon", state="draft", authors=[make_author()])
    when = timezone.localtime() + timedelta(days=1)
    edit_article(
        login(publisher),
        draft,
        action="schedule",
        schedule_at_0=when.strftime("%Y-%m-%d"),
        schedule_at_1=when.strftime("%H:%M:%S"),
    )
    draft.refresh_from_db()
    assert draft.is_scheduled
    listing = login(publisher).get(
        reverse("admin:articles_article_changelist") + "?state=scheduled"
    )
    assert "Soon" in listing.text
    assert "Scheduled for" in listing.text


def test_saving_a_never_published_article_writes_it_and_records_revisions(
    login, contributor, make_article, make_author, edit_article
):
    draft = make_article(
        "Mine", state="draft", created_by=contributor, authors=[make_author()]
    )
    edit_article(login(contributor), draft, {"title": "Mine, better"})
    edit_article(login(contributor), draft, {"title": "Mine, best"})
    draft.refresh_from_db()
    assert draft.title == "Mine, best"
    titles = [r.state["title"] for r in draft.revisions.order_by("number")]
    assert titles == ["Mine", "Mine, better", "Mine, best"]


def test_unchanged_save_adds_no_revision(login, editor, live_article, edit_article):
    edit_article(login(editor), live_article, {"title": "Changed"})
    count = Revision.objects.count()
    edit_article(login(editor), live_article)
    assert Revision.objects.count() == count


def test_discard_draft_keeps_it_in_history(login, editor, live_article, edit_article):
    edit_article(login(editor), live_article, {"title": "Discard me"})
    client = login(editor)
    url = reverse("admin:articles_article_discard", args=[live_article.pk])
    assert client.get(url).status_code == 200
    client.post(url)
    assert not Draft.objects.exists()
    assert Revision.objects.filter(state__title="Discard me").exists()


def test_unpublish_keeps_the_draft_as_the_text(
    login, editor, publisher, live_article, edit_article
):
    edit_article(login(editor), live_article, {"title": "Work in progress"})
    login(publisher).post(
        reverse("admin:articles_article_unpublish", args=[live_article.pk])
    )
    live_article.refresh_from_db()
    assert live_article.status == Article.Status.DRAFT
    assert live_article.title == "Work in progress"


def test_restore_makes_an_old_revision_the_draft(
    client, login, editor, publisher, live_article, edit_article
):
    edit_article(login(editor), live_article, {"title": "Second"})
    edit_article(login(publisher), live_article, action="publish", change_kind="silent")
    first = live_article.revisions.get(number=1)
    assert first.state["title"] == "The live title"
    url = reverse("admin:articles_article_restore", args=[live_article.pk, 1])
    login(editor).post(url)
    live_article.refresh_from_db()
    assert live_article.title == "Second"  # readers still see the live one
    draft = Draft.objects.get(article=live_article)
    assert draft.revision.state["title"] == "The live title"
    assert draft.revision.restored_from == first
    # The first state, the draft that went live, the restored copy.
    assert live_article.revisions.count() == 3  # nothing overwritten


def test_history_and_compare(login, editor, publisher, live_article, edit_article):
    edit_article(
        login(editor),
        live_article,
        {"body": "<p>The live body text, now longer.</p>"},
    )
    client = login(publisher)
    history = client.get(
        reverse("admin:articles_article_history", args=[live_article.pk])
    )
    assert history.status_code == 200
    assert "Live" in history.text and "Draft" in history.text
    compare = client.get(
        reverse("admin:articles_article_compare", args=[live_article.pk]) + "?a=1&b=2"
    )
    assert compare.status_code == 200
    assert "<ins>" in compare.text
    assert "now longer" in compare.text
    assert "&lt;p&gt;" not in compare.text


@pytest.mark.parametrize("query", ["", "?a=1", "?a=x&b=2", "?a=1&b=²", "?a=1&b=99"])
def test_compare_with_bad_numbers_is_404(login, publisher, live_article, query):
    services.ensure_baseline(live_article)
    response = login(publisher).get(
        reverse("admin:articles_article_compare", args=[live_article.pk]) + query
    )
    assert response.status_code == 404


def test_revision_preview_renders_the_public_template(
    login, editor, live_article, edit_article
):
    edit_article(login(editor), live_article, {"title": "Preview me"})
    response = login(editor).get(
        reverse("admin:articles_article_preview", args=[live_article.pk, 2])
    )
    assert response.status_code == 200
    assert "Preview me" in response.text
    assert "Preview." in response.text
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_staff_without_permission_cannot_preview(client, make_user, make_article):
    draft = make_article("Hidden", state="draft")
    client.force_login(make_user("nobody"))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_shell_saves_are_recorded(live_article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live_article.title = "From the shell"
        live_article.save()
    revision = live_article.revisions.get()
    assert revision.state["title"] == "From the shell"
    assert revision.created_by is None
    assert revision.published_at is not None  # it went live at once


def test_bulk_publish_publishes_each_draft_once_told_what_kind_of_change(
    client, login, editor, publisher, live_article, make_article, edit_article
):
    """A live article's draft needs its kind of change (and maybe a note to
    readers): the bulk action asks once for all, then publishes each draft."""
    other = make_article("Other draft", state="draft")
    edit_article(login(editor), live_article, {"title": "Bulk"})
    changelist = reverse("admin:articles_article_changelist")
    selected = {"action": "publish", "_selected_action": [live_article.pk, other.pk]}
    asked = login(publisher).post(changelist, selected)
    assert asked.status_code == 200
    assert "What kind of change are these?" in asked.text
    live_article.refresh_from_db()
    other.refresh_from_db()
    assert live_article.title == "The live title" and not other.is_public

    refused = login(publisher).post(
        changelist,
        {**selected, "confirm_change": "yes", "change_kind": "correction"},
    )
    assert refused.status_code == 200  # a correction needs its note
    assert "Write the note readers will see" in refused.text

    done = login(publisher).post(
        changelist,
        {
            **selected,
            "confirm_change": "yes",
            "change_kind": "update",
            "change_note": "Figures for 2026 added.",
        },
        follow=True,
    )
    assert "2 articles published." in done.text
    live_article.refresh_from_db()
    other.refresh_from_db()
    assert live_article.title == "Bulk"
    assert not Draft.objects.filter(article=live_article).exists()
    assert other.is_public and other.revisions.exists()
    client.logout()
    assert "Figures for 2026 added." in client.get(live_article.get_absolute_url()).text
