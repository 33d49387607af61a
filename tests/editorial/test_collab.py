"""Nothing an editor types is lost: no silent overwrite, autosave and
recovery, who else has the article open, an expired session."""

import pytest
from django.test import Client
from django.urls import reverse

from editorial.models import Autosave, Draft, Presence, Revision
from tests.editorial.conftest import read_form

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def open_form(user, article):
    client = Client()
    client.force_login(user)
    page = client.get(change_url(article))
    assert page.status_code == 200
    return client, read_form(page.text)


def test_a_save_on_top_of_someone_elses_is_stopped_and_nothing_is_lost(
    editor, make_user, live_article
):
    other = make_user("olga", "Editor")
    a, a_form = open_form(editor, live_article)
    b, b_form = open_form(other, live_article)
    a.post(
        change_url(live_article),
        {**a_form, "standfirst": "A's new standfirst.", "_action": "save"},
    )
    response = b.post(
        change_url(live_article),
        {**b_form, "image_caption": "B's caption", "_action": "save"},
    )
    assert response.status_code == 200  # the conflict page, not a save
    page = response.text
    assert "Someone else saved this article after you opened it" in page
    assert "A&#x27;s new standfirst." in page or "A's new standfirst." in page
    assert "B&#x27;s caption" in page or "B's caption" in page
    form = read_form(page)
    assert form["image_caption"] == "B's caption"  # what B typed is kept
    draft = Draft.objects.get(article=live_article)
    assert draft.revision.state["standfirst"] == "A's new standfirst."
    assert draft.revision.created_by == editor

    # B copies A's standfirst in, then saves over A's revision knowingly.
    taken = b.post(change_url(live_article), {**form, "_take": "standfirst"})
    form = read_form(taken.text)
    assert form["standfirst"] == "A's new standfirst."
    assert form["image_caption"] == "B's caption"
    theirs = draft.revision.number
    saved = b.post(
        change_url(live_article),
        {**form, "overwrite_revision": str(theirs), "_action": "save"},
    )
    assert saved.status_code == 302
    draft.refresh_from_db()
    state = draft.revision.state
    assert state["standfirst"] == "A's new standfirst."
    assert state["image_caption"] == "B's caption"
    assert draft.revision.message.startswith(f"Saved over revision {theirs} by edna")
    live_article.refresh_from_db()
    assert live_article.standfirst != "A's new standfirst."  # still a draft


def test_my_own_newer_save_is_no_conflict(editor, live_article):
    client, form = open_form(editor, live_article)
    client.post(change_url(live_article), {**form, "title": "One", "_action": "save"})
    again = client.post(
        change_url(live_article), {**form, "title": "Two", "_action": "save"}
    )
    assert again.status_code == 302
    assert Draft.objects.get().revision.state["title"] == "Two"


def test_a_shell_save_meanwhile_is_a_conflict(
    editor, make_article, make_author, django_capture_on_commit_callbacks
):
    article = make_article("Shared", state="draft", authors=[make_author()])
    client, form = open_form(editor, article)
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Changed in the shell"
        article.save()
    response = client.post(
        change_url(article), {**form, "standfirst": "Mine", "_action": "save"}
    )
    assert response.status_code == 200
    assert "someone outside the editor" in response.text
    article.refresh_from_db()
    assert article.title == "Changed in the shell"


def test_autosave_is_private_and_offered_back(client, editor, live_article):
    client.force_login(editor)
    url = reverse("admin:articles_article_autosave", args=[live_article.pk])
    form = read_form(client.get(change_url(live_article)).text)
    response = client.post(url, {**form, "title": "Typed, not saved"})
    assert response.status_code == 200 and "saved_at" in response.json()
    assert Autosave.objects.get(user=editor).data["title"] == ["Typed, not saved"]
    # Never the article, never its draft, never a revision.
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    assert not Draft.objects.exists()
    revisions = Revision.objects.count()

    offer = client.get(change_url(live_article))
    assert "You have unsaved changes from" in offer.text
    assert "Typed, not saved" in offer.text  # what differs
    restored = client.get(change_url(live_article) + "?restore=autosave")
    assert restored.status_code == 200
    assert read_form(restored.text)["title"] == "Typed, not saved"
    assert "are back in the form" in restored.text
    assert Revision.objects.count() == revisions
    live_article.refresh_from_db()
    assert live_article.title == "The live title"

    saved = client.post(
        change_url(live_article),
        {**read_form(restored.text), "_action": "save"},
    )
    assert saved.status_code == 302
    assert Draft.objects.get().revision.state["title"] == "Typed, not saved"
    assert not Autosave.objects.exists()  # done its work


def test_another_editor_never_sees_my_autosave(client, editor, make_user, live_article):
    client.force_login(editor)
    url = reverse("admin:articles_article_autosave", args=[live_article.pk])
    client.post(url, {"title": "Private"})
    other = Client()
    other.force_login(make_user("olga", "Editor"))
    assert (
        "You have unsaved changes from" not in other.get(change_url(live_article)).text
    )


def test_a_new_article_is_autosaved_too(client, editor):
    client.force_login(editor)
    client.post(
        reverse("admin:articles_article_autosave_new"), {"title": "Half a new one"}
    )
    assert Autosave.objects.get(article=None).data["title"] == ["Half a new one"]
    page = client.get(reverse("admin:articles_article_add"))
    assert "You have unsaved changes from" in page.text
    restored = client.get(reverse("admin:articles_article_add") + "?restore=autosave")
    assert read_form(restored.text)["title"] == "Half a new one"


def test_an_expired_session_gets_401_with_a_way_back(client, live_article):
    url = reverse("admin:articles_article_autosave", args=[live_article.pk])
    response = client.post(url, {"title": "x"})
    assert response.status_code == 401
    assert response.json()["login_url"].startswith("/admin/login/?next=")
    session = client.get(reverse("admin:articles_article_session"))
    assert session.status_code == 401
    assert not Autosave.objects.exists()


def test_who_else_has_it_open_and_when_they_save(editor, make_user, live_article):
    other = make_user("olga", "Editor", first_name="Olga", last_name="Ray")
    a, a_form = open_form(editor, live_article)
    b, b_form = open_form(other, live_article)
    presence = reverse("admin:articles_article_presence", args=[live_article.pk])
    a.post(presence, {"base_revision": a_form["base_revision"], "tab": "a1"})
    answer = b.post(presence, {"base_revision": b_form["base_revision"]}).json()
    assert [o["name"] for o in answer["others"]] == ["edna"]
    assert answer["newer"] is None
    assert "Also open by" in b.get(change_url(live_article)).text

    a.post(change_url(live_article), {**a_form, "title": "A saved", "_action": "save"})
    answer = b.post(presence, {"base_revision": b_form["base_revision"]}).json()
    assert answer["newer"]["by"] == "edna"
    assert "compare" in answer["newer"]["compare_url"]

    leave = reverse("admin:articles_article_presence_leave", args=[live_article.pk])
    # A's form reloads after the save (a new page, "a2") before the old page's
    # goodbye arrives: A is still here.
    a.post(presence, {"base_revision": a_form["base_revision"], "tab": "a2"})
    a.post(leave, {"tab": "a1"})
    answer = b.post(presence, {"base_revision": b_form["base_revision"]}).json()
    assert [o["name"] for o in answer["others"]] == ["edna"]
    a.post(leave, {"tab": "a2"})
    answer = b.post(presence, {"base_revision": b_form["base_revision"]}).json()
    assert answer["others"] == []
    assert Presence.objects.filter(user=other).exists()


def test_someone_who_may_not_edit_gets_no_desk_endpoints(
    client, contributor, live_article
):
    client.force_login(contributor)  # neither created nor credited
    for name in ("autosave", "presence"):
        url = reverse(f"admin:articles_article_{name}", args=[live_article.pk])
        assert client.post(url, {"title": "x"}).status_code == 403
