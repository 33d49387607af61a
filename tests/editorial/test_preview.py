"""Previews: the form's Preview button (nothing stored) and preview links
(signed, expiring, revocable, one revision only)."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Authorship
from editorial.models import PREVIEW_SALT, AuditEntry, Draft, PreviewLink, Revision
from publication.models import NoticeVersion
from tests.factories_images import make_upload

from .conftest import read_form

pytestmark = pytest.mark.django_db

NEW_TAG = "Glacier melt"


@pytest.fixture
def disclaimer(db):
    return NoticeVersion.objects.create(
        kind=NoticeVersion.Kind.DISCLAIMER, body="<p>Views are the authors’.</p>"
    )


def snapshot(media_root):
    """What a preview must leave as it was."""
    tables = [Article, Authorship, Revision, Draft, PreviewLink, AuditEntry, Tag]
    return {
        "rows": {model.__name__: model.objects.count() for model in tables},
        "edited": Article.objects.aggregate(latest=Max("updated_at"))["latest"],
        "files": sorted(str(p) for p in media_root.rglob("*")),
    }


def form_data(client, article=None):
    url = (
        reverse("admin:articles_article_change", args=[article.pk])
        if article
        else reverse("admin:articles_article_add")
    )
    page = client.get(url)
    assert page.status_code == 200
    return page, read_form(page.text)


def preview_url(article=None):
    if article is None:
        return reverse("admin:articles_article_preview_new")
    return reverse("admin:articles_article_preview_unsaved", args=[article.pk])


def test_the_form_has_a_preview_button(login, editor, live_article):
    client = login(editor)
    for article in (None, live_article):
        page, _data = form_data(client, article)
        button = re.search(r"<button[^>]*formaction=\"([^\"]+)\"[^>]*>", page.text)
        assert button and button[1] == preview_url(article)
        assert 'formtarget="_blank"' in button[0]


def test_preview_of_the_add_form_shows_what_was_typed_and_stores_nothing(
    login, contributor, make_author, disclaimer, media_root
):
    client = login(contributor)
    author = make_author("Ines Okafor")
    _page, data = form_data(client)
    data.update(
        {
            "title": "Rivers under pressure",
            "slug": "rivers-under-pressure",
            "standfirst": "What the dams changed.",
            "body": "<p>A typed body, never saved.</p>",
            "tags": f"{NEW_TAG}, dams",
            "authorships-0-author": str(author.pk),
            "authorships-0-position": "0",
        }
    )
    before = snapshot(media_root)
    response = client.post(preview_url(), data)
    assert response.status_code == 200, response.text[:2000]
    text = response.text
    assert "Preview of unsaved changes. Nothing has been saved." in text
    assert "<h1>Rivers under pressure</h1>" in text
    assert "A typed body, never saved." in text
    assert "What the dams changed." in text
    assert NEW_TAG in text and "dams" in text
    assert "Ines Okafor" in text
    assert "Copyright © Ines Okafor" in text
    assert "Views are the authors’." in text  # the site notices
    assert '<script type="application/ld+json"' in text
    assert '"headline": "Rivers under pressure"' in text
    assert '<meta name="robots" content="noindex">' in text
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert "noindex" in response["X-Robots-Tag"]
    assert snapshot(media_root) == before


def test_preview_of_a_change_shows_the_typed_text_and_stores_nothing(
    client, login, editor, disclaimer, live_article, media_root
):
    editor_client = login(editor)
    _page, data = form_data(editor_client, live_article)
    data.update(
        {
            "title": "A typed title",
            "body": "<p>A typed body.</p>",
            "tags": f"rivers, {NEW_TAG}",
        }
    )
    before = snapshot(media_root)
    response = editor_client.post(preview_url(live_article), data)
    assert response.status_code == 200
    text = response.text
    assert "<h1>A typed title</h1>" in text
    assert "A typed body." in text
    assert "The live body text." not in text
    assert NEW_TAG in text
    assert "Ann Lee" in text  # the inline's rows, as posted
    assert "Views are the authors’." in text
    assert '"headline": "A typed title"' in text
    assert snapshot(media_root) == before
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    client.logout()
    assert "The live body text." in client.get(live_article.get_absolute_url()).text


def test_preview_of_an_unpublished_article_stores_nothing(
    login, contributor, make_article, make_author, media_root
):
    article = make_article(
        "My draft", state="draft", created_by=contributor, authors=[make_author()]
    )
    client = login(contributor)
    _page, data = form_data(client, article)
    data["body"] = "<p>Second thoughts.</p>"
    before = snapshot(media_root)
    response = client.post(preview_url(article), data)
    assert response.status_code == 200
    assert "Second thoughts." in response.text
    assert snapshot(media_root) == before
    article.refresh_from_db()
    assert article.body == "<p>Body of My draft.</p>"


def test_a_new_image_is_not_stored_by_the_preview(
    login, editor, live_article, media_root
):
    client = login(editor)
    _page, data = form_data(client, live_article)
    data.update(
        featured_image=make_upload(),
        image_alt="A river",
        image_credit="Photo: Ana",
        image_caption="The delta at dawn",
    )
    before = snapshot(media_root)
    response = client.post(preview_url(live_article), data)
    assert response.status_code == 200
    assert "The new image shows after saving" in response.text
    assert "The delta at dawn" not in response.text  # no image, no figure yet
    assert snapshot(media_root) == before
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_a_form_with_errors_lists_them_and_stores_nothing(
    login, editor, live_article, media_root
):
    client = login(editor)
    _page, data = form_data(client, live_article)
    data["title"] = ""
    before = snapshot(media_root)
    response = client.post(preview_url(live_article), data)
    assert response.status_code == 200
    assert "nothing to preview yet" in response.text
    assert "Title" in response.text
    assert "This field is required." in response.text
    assert snapshot(media_root) == before


def test_preview_needs_the_right_to_change_the_article(
    client, login, contributor, make_user, live_article
):
    _page, data = form_data(login(make_user("root", is_superuser=True)), live_article)
    data["title"] = "Not theirs"
    # A contributor sees others' articles, read only: no preview of a change.
    response = login(contributor).post(preview_url(live_article), data)
    assert response.status_code == 403
    # Staff without any right on articles: no such article.
    response = login(make_user("nobody")).post(preview_url(live_article), data)
    assert response.status_code in {403, 404}
    assert "Not theirs" not in response.text
    client.logout()
    response = client.post(preview_url(live_article), data)
    assert response.status_code == 302  # to the login page
    assert "/login/" in response["Location"]


def test_preview_is_protected_from_cross_site_posts(login, editor, live_article):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    response = browser.post(preview_url(live_article), {"title": "Forged"})
    assert response.status_code == 403


def test_opening_the_preview_address_goes_back_to_the_form(login, editor, live_article):
    response = login(editor).get(preview_url(live_article))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:articles_article_change", args=[live_article.pk]
    )


# Preview links ------------------------------------------------------------------


def create_link(client, article, days=None):
    url = reverse("admin:articles_article_preview_links", args=[article.pk])
    return client.post(url, {} if days is None else {"days": str(days)})


def only_link():
    return PreviewLink.objects.get()


@pytest.fixture
def draft_article(login, editor, live_article, edit_article):
    """A live article whose working draft says something else."""
    edit_article(
        login(editor),
        live_article,
        {"title": "The draft title", "body": "<p>The draft body text.</p>"},
    )
    return live_article


def test_a_link_shows_its_revision_to_anyone(client, login, editor, draft_article):
    response = create_link(login(editor), draft_article)
    assert response.status_code == 302
    link = only_link()
    assert link.revision == Draft.objects.get(article=draft_article).revision
    assert link.created_by == editor
    expected = timezone.now() + timedelta(days=7)
    assert abs(link.expires_at - expected) < timedelta(minutes=1)
    client.logout()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "<h1>The draft title</h1>" in text
    assert "The draft body text." in text
    assert "The live body text." not in text
    assert "Preview shared by edna — not yet published" in text
    assert "this link expires on" in text
    assert '<meta name="robots" content="noindex">' in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"
    assert "public" not in response["Cache-Control"]
    # Revalidation never answers 304 for a preview.
    again = client.get(link.get_absolute_url(), headers={"if-none-match": "*"})
    assert again.status_code == 200


def test_a_link_keeps_showing_its_own_revision(
    client, login, editor, draft_article, edit_article
):
    create_link(login(editor), draft_article)
    link = only_link()
    edit_article(login(editor), draft_article, {"title": "A newer draft"})
    assert Draft.objects.get(article=draft_article).revision != link.revision
    client.logout()
    text = client.get(link.get_absolute_url()).text
    assert "<h1>The draft title</h1>" in text
    assert "A newer draft" not in text


def test_a_link_to_a_live_article_without_draft_shows_what_readers_see(
    client, login, editor, live_article
):
    create_link(login(editor), live_article)
    client.logout()
    text = client.get(only_link().get_absolute_url()).text
    assert "<h1>The live title</h1>" in text


def test_a_link_stops_working_when_it_expires(
    client, login, editor, draft_article, monkeypatch
):
    create_link(login(editor), draft_article, days=2)
    link = only_link()
    url = link.get_absolute_url()
    client.logout()
    assert client.get(url).status_code == 200
    later = timezone.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url)
    assert response.status_code == 410
    assert "The draft title" not in response.text
    assert "no longer works" in response.text
    assert response["Cache-Control"] == "private, no-store"


def test_a_link_stops_working_when_revoked(client, login, editor, draft_article):
    editor_client = login(editor)
    create_link(editor_client, draft_article)
    link = only_link()
    page = editor_client.get(
        reverse("admin:articles_article_change", args=[draft_article.pk])
    )
    absolute = f"http://testserver{link.get_absolute_url()}"
    assert absolute in page.text  # the address to copy
    revoke = reverse(
        "admin:articles_article_preview_link_revoke", args=[draft_article.pk, link.pk]
    )
    assert revoke in page.text
    assert editor_client.post(revoke).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    page = editor_client.get(
        reverse("admin:articles_article_change", args=[draft_article.pk])
    )
    assert absolute not in page.text
    client.logout()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "The draft title" not in response.text


def test_a_tampered_or_unknown_link_is_not_found(client, login, editor, draft_article):
    create_link(login(editor), draft_article)
    link = only_link()
    client.logout()
    signed = link.signed()
    key, rest = signed.split(":", 1)
    other_key = ("A" if key[0] != "A" else "B") + key[1:]
    for bad in (
        f"{other_key}:{rest}",  # another key under this signature
        signed[:-1] + ("A" if signed[-1] != "A" else "B"),  # the signature
        key,  # no signature
        signing.TimestampSigner(salt="another").sign(link.key),
        signing.TimestampSigner(salt=PREVIEW_SALT).sign("not-a-key"),
    ):
        response = client.get(reverse("editorial:preview", args=[bad]))
        assert response.status_code == 404, bad
        assert "The draft title" not in response.text


def test_a_link_works_for_the_days_chosen(login, editor, live_article):
    client = login(editor)
    create_link(client, live_article, days=30)
    expected = timezone.now() + timedelta(days=30)
    assert abs(only_link().expires_at - expected) < timedelta(minutes=1)
    for refused in (0, 31, "soon"):
        response = create_link(client, live_article, days=refused)
        assert response.status_code == 302
    assert PreviewLink.objects.count() == 1


def test_a_contributor_shares_only_their_own_articles(
    client, login, contributor, live_article, make_article, make_author
):
    contributor_client = login(contributor)
    assert create_link(contributor_client, live_article).status_code == 403
    page = contributor_client.get(
        reverse("admin:articles_article_change", args=[live_article.pk])
    )
    assert "Share a preview" not in page.text
    own = make_article(
        "Mine", state="draft", created_by=contributor, authors=[make_author()]
    )
    assert create_link(contributor_client, own).status_code == 302
    link = only_link()
    assert link.revision.article == own
    client.logout()
    assert client.get(link.get_absolute_url()).status_code == 200


def test_a_link_is_revoked_only_from_its_own_article(
    login, editor, live_article, make_article
):
    client = login(editor)
    create_link(client, live_article)
    link = only_link()
    other = make_article("Another")
    url = reverse(
        "admin:articles_article_preview_link_revoke", args=[other.pk, link.pk]
    )
    assert client.post(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_share_section_lists_the_links_that_work(login, editor, draft_article):
    client = login(editor)
    change = reverse("admin:articles_article_change", args=[draft_article.pk])
    page = client.get(change)
    assert "Share a preview" in page.text
    number = Draft.objects.get(article=draft_article).revision.number
    assert f"Create a link to revision {number}" in page.text
    create_link(client, draft_article)
    expired = PreviewLink.objects.create(
        revision=only_link().revision,
        created_at=timezone.now() - timedelta(days=9),
        expires_at=timezone.now() - timedelta(days=2),
    )
    page = client.get(change)
    assert PreviewLink.objects.active().count() == 1
    assert f"http://testserver{expired.get_absolute_url()}" not in page.text
    active = PreviewLink.objects.active().get()
    assert f"http://testserver{active.get_absolute_url()}" in page.text


def test_the_share_forms_are_not_nested_in_the_article_form(
    login, editor, live_article
):
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.ids, self.nested = 0, [], []

        def handle_starttag(self, tag, attrs):
            if tag == "form":
                self.open += 1
                self.ids.append(dict(attrs).get("id"))
                if self.open > 1:
                    self.nested.append(dict(attrs).get("id"))

        def handle_endtag(self, tag):
            if tag == "form":
                self.open -= 1

    page = login(editor).get(
        reverse("admin:articles_article_change", args=[live_article.pk])
    )
    forms = Forms()
    forms.feed(page.text)
    assert {"article_form", "share-preview-create", "share-preview-revoke"} <= set(
        forms.ids
    )
    assert forms.nested == []
    assert 'form="share-preview-create"' in page.text
