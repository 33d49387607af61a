"""Who may do what on the editors' desk, by every way in.

One table: each role × each action × the way it arrives (the change form's
button, a crafted POST, a bulk action, the desk's own URLs, the admin's "view on
site" shortcut) and what must come of it. A refused action changes nothing:
not the live article readers see, not its working draft, not the audit log.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Authorship
from editorial import services
from editorial.models import AuditEntry, Draft, Revision
from editorial.state import state_of

from .conftest import read_form

pytestmark = pytest.mark.django_db

LIVE_TITLE, LIVE_BODY = "The live title", "The live body text."
DRAFT_TITLE, DRAFT_BODY = "The draft title", "The draft body text."
UNPUBLISHED_TITLE = "The unpublished title"

GROUPS = {
    "contributor_own": "Contributor",  # created the article
    "contributor_credited": "Contributor",  # credited on it (Author.user)
    "contributor_other": "Contributor",  # neither
    "editor": "Editor",
    "publisher": "Publisher",
    "staff_no_perms": None,  # is_staff, no group, no permission
}


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    # Every case makes users; the real hasher would make the matrix slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Desk:
    """One case: the acting user's client and what they act on."""

    client: Client
    reader: Client  # anonymous, one for all of the case's requests
    edit_article: object
    owner: object
    live: Article
    unpublished: Article
    draft_revision: Revision
    first_revision: Revision
    pinned_at: object
    revisions: int

    def owner_form(self):
        """The change form's fields as the article's owner sees them: what a
        crafted POST from someone without an editable form would send."""
        owner = Client()
        owner.force_login(self.owner)
        page = owner.get(change_url(self.live))
        assert page.status_code == 200
        return read_form(page.text)


@pytest.fixture
def desk_for(
    client, make_user, make_article, make_author, make_region, make_theme, edit_article
):
    def build(role):
        owner = make_user("carla", "Contributor")
        author = make_author("Ann Lee")
        live = make_article(
            LIVE_TITLE,
            body=f"<p>{LIVE_BODY}</p>",
            created_by=owner,
            authors=[author],
            regions=[make_region("Asia")],
            themes=[make_theme("Water")],
            tags=["rivers"],
        )
        unpublished = make_article(
            UNPUBLISHED_TITLE,
            state="draft",
            slug="unpublished-secret",
            created_by=owner,
            authors=[author],
        )
        state = state_of(live)
        state.update(title=DRAFT_TITLE, body=f"<p>{DRAFT_BODY}</p>")
        draft_revision = services.save(live, user=owner, state=state)
        if role == "contributor_own":
            actor = owner
        else:
            actor = make_user(role.replace("_", "-"), GROUPS[role])
        if role == "contributor_credited":
            author.user = actor
            author.save()
        client.force_login(actor)
        live.refresh_from_db()
        return Desk(
            client=client,
            reader=Client(),
            edit_article=edit_article,
            owner=owner,
            live=live,
            unpublished=unpublished,
            draft_revision=draft_revision,
            first_revision=live.revisions.get(number=1),
            pinned_at=live.notices_pinned_at,
            revisions=Revision.objects.count(),
        )

    return build


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def desk_url(name, article, *args):
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


CHANGELIST = "/admin/articles/article/"


def schedule_fields():
    when = timezone.localtime() + timedelta(hours=2)
    return {
        "schedule_at_0": when.strftime("%Y-%m-%d"),
        "schedule_at_1": when.strftime("%H:%M:%S"),
    }


# Ways in ----------------------------------------------------------------------


def press(desk, way, button, changes=None, **extra):
    """``form``: the user opens the change form and presses ``button`` (shown
    to them or not); ``post``: a POST crafted from the owner's form."""
    if way == "form":
        return desk.edit_article(desk.client, desk.live, changes, button, **extra)
    assert way == "post", way
    data = {**desk.owner_form(), **(changes or {}), "_action": button, **extra}
    return desk.client.post(change_url(desk.live), data)


def bulk(desk, action, article, **extra):
    return desk.client.post(
        CHANGELIST, {"action": action, "_selected_action": [article.pk], **extra}
    )


def desk_post(desk, name, article, *args):
    return desk.client.post(desk_url(name, article, *args))


# Actions: (do it, did it happen) ---------------------------------------------


def _draft(desk):
    return Draft.objects.filter(article=desk.live).select_related("revision").first()


def _live(desk):
    return Article.objects.filter(pk=desk.live.pk).first()


def view_form(desk, way):
    return desk.client.get(change_url(desk.live))


def form_is_editable(desk, response):
    return (
        response.status_code == 200
        and 'name="title"' in response.text
        and DRAFT_TITLE in response.text  # it opens on the draft
    )


def edit(desk, way):
    return press(desk, way, "save", {"title": "Edited title"})


def edited(desk, response):
    draft = _draft(desk)
    return draft is not None and draft.revision.state["title"] == "Edited title"


def submit(desk, way):
    return press(desk, way, "submit")


def submitted(desk, response):
    draft = _draft(desk)
    return draft is not None and draft.review == Draft.Review.REVIEW


def publish(desk, way):
    if way == "bulk":
        # The bulk action leaves a live article's draft to the form, which asks
        # what kind of change it is: it is tried on the never-published one.
        return bulk(desk, "publish", desk.unpublished)
    return press(desk, way, "publish", change_kind="silent")


def published(desk, response):
    live = _live(desk)
    if live is not None and live.title == DRAFT_TITLE:
        page = desk.reader.get(live.get_absolute_url())
        return DRAFT_BODY in page.text and _draft(desk) is None
    page = desk.reader.get(desk.unpublished.get_absolute_url())
    return page.status_code == 200 and UNPUBLISHED_TITLE in page.text


def schedule(desk, way):
    return press(desk, way, "schedule", change_kind="silent", **schedule_fields())


def scheduled(desk, response):
    draft = _draft(desk)
    return draft is not None and draft.go_live_at is not None


def request_changes(desk, way):
    return press(desk, way, "request_changes", review_comment="Cut the lead.")


def changes_requested(desk, response):
    draft = _draft(desk)
    return draft is not None and draft.review == Draft.Review.CHANGES


def unpublish(desk, way):
    if way == "bulk":
        return bulk(desk, "unpublish", desk.live)
    return desk_post(desk, "unpublish", desk.live)


def unpublished(desk, response):
    live = _live(desk)
    return live.status == Article.Status.DRAFT and (
        desk.reader.get(live.get_absolute_url()).status_code == 404
    )


def delete_published(desk, way):
    if way == "bulk":
        return bulk(desk, "delete_selected", desk.live, post="yes")
    return desk.client.post(desk_url("delete", desk.live), {"post": "yes"})


def live_deleted(desk, response):
    return _live(desk) is None


def delete_unpublished(desk, way):
    if way == "bulk":
        return bulk(desk, "delete_selected", desk.unpublished, post="yes")
    return desk.client.post(desk_url("delete", desk.unpublished), {"post": "yes"})


def unpublished_deleted(desk, response):
    return not Article.objects.filter(pk=desk.unpublished.pk).exists()


def restore(desk, way):
    return desk_post(desk, "restore", desk.live, desk.first_revision.number)


def restored(desk, response):
    draft = _draft(desk)
    return (
        draft is not None
        and draft.revision.restored_from_id == desk.first_revision.pk
        and draft.revision.state["title"] == LIVE_TITLE
    )


def repin(desk, way):
    if way == "bulk":
        return bulk(desk, "repin_notices", desk.live)
    return desk_post(desk, "repin", desk.live)


def repinned(desk, response):
    return (
        _live(desk).notices_pinned_at != desk.pinned_at
        and AuditEntry.objects.filter(action=AuditEntry.Action.REPINNED).exists()
    )


def discard(desk, way):
    return desk_post(desk, "discard", desk.live)


def discarded(desk, response):
    return _draft(desk) is None


def preview(desk, way):
    if way == "url":  # the draft of a live article, with the public template
        return desk.client.get(
            desk_url("preview", desk.live, desk.draft_revision.number)
        )
    if way == "admin_r":  # "View on site" of an unpublished article
        content_type = ContentType.objects.get_for_model(Article)
        return desk.client.get(f"/admin/r/{content_type.pk}/{desk.unpublished.pk}/")
    assert way == "public", way  # its public address
    return desk.client.get(desk.unpublished.get_absolute_url())


def previewed(desk, response):
    if response.status_code == 302:
        location = response["Location"]
        if not location.endswith(desk.unpublished.get_absolute_url()):
            return False
        response = desk.client.get(location)
    text = response.text if response.status_code == 200 else ""
    return DRAFT_TITLE in text or UNPUBLISHED_TITLE in text


ACTIONS = {
    "view_form": (view_form, form_is_editable),
    "edit": (edit, edited),
    "submit": (submit, submitted),
    "publish": (publish, published),
    "schedule": (schedule, scheduled),
    "request_changes": (request_changes, changes_requested),
    "unpublish": (unpublish, unpublished),
    "delete_published": (delete_published, live_deleted),
    "delete_unpublished": (delete_unpublished, unpublished_deleted),
    "restore": (restore, restored),
    "repin": (repin, repinned),
    "discard": (discard, discarded),
    "preview": (preview, previewed),
}

# What must come of it ----------------------------------------------------------

# Everything else, even when allowed, leaves readers with the live version.
CHANGES_WHAT_READERS_SEE = {"publish", "unpublish", "delete_published"}

DONE = "done"  # the effect happened
READ_ONLY = "read-only"  # 200, but nothing to change
IGNORED = "ignored"  # the page answers (a bulk action not offered): no effect

OWN, CREDITED, OTHER = "contributor_own", "contributor_credited", "contributor_other"
ED, PUB, NOBODY = "editor", "publisher", "staff_no_perms"

# fmt: off
MATRIX = [
    # role       action                way        expected
    (OWN,      "view_form",          "get",     DONE),
    (CREDITED, "view_form",          "get",     DONE),
    (OTHER,    "view_form",          "get",     READ_ONLY),
    (ED,       "view_form",          "get",     DONE),
    (PUB,      "view_form",          "get",     DONE),
    (NOBODY,   "view_form",          "get",     403),

    (OWN,      "edit",               "form",    DONE),
    (CREDITED, "edit",               "form",    DONE),
    (OTHER,    "edit",               "post",    403),
    (ED,       "edit",               "form",    DONE),
    (PUB,      "edit",               "form",    DONE),
    (NOBODY,   "edit",               "post",    403),

    (OWN,      "submit",             "form",    DONE),
    (CREDITED, "submit",             "form",    DONE),
    (OTHER,    "submit",             "post",    403),
    (ED,       "submit",             "form",    DONE),
    (PUB,      "submit",             "form",    DONE),
    (NOBODY,   "submit",             "post",    403),

    (OWN,      "publish",            "form",    403),
    (OTHER,    "publish",            "post",    403),
    (ED,       "publish",            "form",    403),
    (ED,       "publish",            "post",    403),
    (PUB,      "publish",            "form",    DONE),
    (NOBODY,   "publish",            "post",    403),
    (OWN,      "publish",            "bulk",    IGNORED),
    (OTHER,    "publish",            "bulk",    IGNORED),
    (ED,       "publish",            "bulk",    IGNORED),
    (PUB,      "publish",            "bulk",    DONE),  # the unpublished one
    (NOBODY,   "publish",            "bulk",    403),

    (OWN,      "schedule",           "form",    403),
    (OTHER,    "schedule",           "post",    403),
    (ED,       "schedule",           "form",    403),
    (PUB,      "schedule",           "form",    DONE),
    (NOBODY,   "schedule",           "post",    403),

    (OWN,      "request_changes",    "form",    403),
    (OTHER,    "request_changes",    "post",    403),
    (ED,       "request_changes",    "form",    403),
    (PUB,      "request_changes",    "form",    DONE),
    (NOBODY,   "request_changes",    "post",    403),

    (OWN,      "unpublish",          "url",     403),
    (OTHER,    "unpublish",          "url",     403),
    (ED,       "unpublish",          "url",     403),
    (PUB,      "unpublish",          "url",     DONE),
    (NOBODY,   "unpublish",          "url",     404),
    (OWN,      "unpublish",          "bulk",    IGNORED),
    (OTHER,    "unpublish",          "bulk",    IGNORED),
    (ED,       "unpublish",          "bulk",    IGNORED),
    (PUB,      "unpublish",          "bulk",    DONE),
    (NOBODY,   "unpublish",          "bulk",    403),

    (OWN,      "delete_published",   "url",     403),
    (OTHER,    "delete_published",   "url",     403),
    (ED,       "delete_published",   "url",     403),
    (PUB,      "delete_published",   "url",     DONE),
    (NOBODY,   "delete_published",   "url",     403),
    (OWN,      "delete_published",   "bulk",    403),
    (OTHER,    "delete_published",   "bulk",    403),
    (ED,       "delete_published",   "bulk",    403),
    (PUB,      "delete_published",   "bulk",    DONE),
    (NOBODY,   "delete_published",   "bulk",    403),

    # Contributors delete their own unpublished drafts, nobody else's.
    (OWN,      "delete_unpublished", "url",     DONE),
    (OTHER,    "delete_unpublished", "url",     403),
    (ED,       "delete_unpublished", "url",     DONE),
    (PUB,      "delete_unpublished", "url",     DONE),
    (NOBODY,   "delete_unpublished", "url",     403),
    (OWN,      "delete_unpublished", "bulk",    DONE),
    (ED,       "delete_unpublished", "bulk",    DONE),
    (PUB,      "delete_unpublished", "bulk",    DONE),
    (NOBODY,   "delete_unpublished", "bulk",    403),

    (OWN,      "restore",            "url",     DONE),
    (CREDITED, "restore",            "url",     DONE),
    (OTHER,    "restore",            "url",     403),
    (ED,       "restore",            "url",     DONE),
    (PUB,      "restore",            "url",     DONE),
    (NOBODY,   "restore",            "url",     404),

    (OWN,      "repin",              "url",     403),
    (OTHER,    "repin",              "url",     403),
    (ED,       "repin",              "url",     403),
    (PUB,      "repin",              "url",     DONE),
    (NOBODY,   "repin",              "url",     404),
    (OWN,      "repin",              "bulk",    IGNORED),
    (ED,       "repin",              "bulk",    IGNORED),
    (PUB,      "repin",              "bulk",    DONE),
    (NOBODY,   "repin",              "bulk",    403),

    (OWN,      "discard",            "url",     DONE),
    (CREDITED, "discard",            "url",     DONE),
    (OTHER,    "discard",            "url",     403),
    (ED,       "discard",            "url",     DONE),
    (PUB,      "discard",            "url",     DONE),
    (NOBODY,   "discard",            "url",     404),

    # Preview of unpublished work needs the change permission, not is_staff.
    (OWN,      "preview",            "url",     DONE),
    (OTHER,    "preview",            "url",     DONE),
    (ED,       "preview",            "url",     DONE),
    (PUB,      "preview",            "url",     DONE),
    (NOBODY,   "preview",            "url",     404),
    (OWN,      "preview",            "admin_r", DONE),
    (ED,       "preview",            "admin_r", DONE),
    (PUB,      "preview",            "admin_r", DONE),
    (NOBODY,   "preview",            "admin_r", 404),
    (OTHER,    "preview",            "public",  DONE),
    (NOBODY,   "preview",            "public",  404),
]
# fmt: on


def assert_nothing_changed(desk):
    """What readers see, the draft, the history and the log are as before."""
    live = _live(desk)
    assert live is not None, "the live article was deleted"
    assert live.status == Article.Status.PUBLISHED
    assert (live.title, live.notices_pinned_at) == (LIVE_TITLE, desk.pinned_at)
    assert [a.name for a in live.ordered_authors()] == ["Ann Lee"]
    page = desk.reader.get(live.get_absolute_url())
    assert page.status_code == 200
    assert LIVE_TITLE in page.text and LIVE_BODY in page.text
    assert DRAFT_TITLE not in page.text and DRAFT_BODY not in page.text

    draft = _draft(desk)
    assert draft is not None, "the draft was discarded or published"
    assert draft.revision_id == desk.draft_revision.pk
    assert (draft.review, draft.go_live_at) == (Draft.Review.DRAFT, None)
    assert Revision.objects.count() == desk.revisions
    assert not AuditEntry.objects.exists()

    hidden = Article.objects.filter(pk=desk.unpublished.pk).first()
    assert hidden is not None and hidden.status == Article.Status.DRAFT
    assert desk.reader.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("role", "action", "way", "expected"),
    MATRIX,
    ids=[f"{role}-{action}-{way}" for role, action, way, _expected in MATRIX],
)
def test_role_matrix(desk_for, role, action, way, expected):
    desk = desk_for(role)
    perform, happened = ACTIONS[action]
    response = perform(desk, way)
    if expected == DONE:
        assert response.status_code in {200, 302}, response.status_code
        assert happened(desk, response)
        if action not in CHANGES_WHAT_READERS_SEE:
            page = desk.reader.get(desk.live.get_absolute_url())
            assert LIVE_TITLE in page.text and LIVE_BODY in page.text
            assert DRAFT_TITLE not in page.text
        return
    if expected == READ_ONLY:
        assert response.status_code == 200
        assert "title" not in read_form(response.text)  # nothing to type in
    elif expected == IGNORED:
        assert response.status_code in {200, 302}, response.status_code
    else:
        assert response.status_code == expected
    assert not happened(desk, response)
    assert_nothing_changed(desk)
    if expected in {403, 404}:
        # A refusal tells nothing about unpublished work.
        # (The 404 page names the address asked for: that is no leak.)
        asked = response.request["PATH_INFO"]
        leaked = response.content.decode().replace(asked, "")
        leaked += response.get("Location", "")
        assert DRAFT_TITLE not in leaked
        assert desk.unpublished.slug not in leaked
        assert UNPUBLISHED_TITLE not in leaked


def test_view_on_site_with_odd_ids_is_404_for_staff_without_permissions(desk_for):
    """Every spelling of the content type's id goes through the check (int()
    also reads non-ASCII digits)."""
    desk = desk_for(NOBODY)
    content_type = ContentType.objects.get_for_model(Article)
    digits = str(content_type.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for ct in (digits, f"{content_type.pk} ", f"+{content_type.pk}", "x"):
        response = desk.client.get(f"/admin/r/{ct}/{desk.unpublished.pk}/")
        assert response.status_code == 404, ct
        assert desk.unpublished.slug not in response.get("Location", ""), ct


def test_view_on_site_still_sends_anonymous_visitors_to_log_in(desk_for):
    desk = desk_for(NOBODY)
    desk.client.logout()
    content_type = ContentType.objects.get_for_model(Article)
    response = desk.client.get(f"/admin/r/{content_type.pk}/{desk.unpublished.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", [ED, PUB])
def test_save_as_new_makes_a_draft_copy(desk_for, role):
    """``_saveasnew`` on a live article's form: a new, unpublished article; the
    live one and its draft stay as they were."""
    desk = desk_for(role)
    data = desk.owner_form()
    data.update(title="The copy", slug="the-copy", _saveasnew="Save as new")
    response = desk.client.post(change_url(desk.live), data)
    assert response.status_code == 302
    copy = Article.objects.get(slug="the-copy")
    assert copy.status == Article.Status.DRAFT
    assert not copy.is_public
    assert copy.created_by.username == role
    assert desk.reader.get(copy.get_absolute_url()).status_code == 404
    assert not Article.objects.published().filter(pk=copy.pk).exists()
    assert [a.name for a in copy.ordered_authors()] == ["Ann Lee"]
    # Nothing of the original changed, whatever the copy did.
    assert Article.objects.get(pk=desk.live.pk).title == LIVE_TITLE
    assert _draft(desk).revision_id == desk.draft_revision.pk


def test_save_as_new_cannot_publish_for_an_editor(desk_for):
    desk = desk_for(ED)
    data = desk.owner_form()
    data.update(slug="the-copy", _saveasnew="Save as new", _action="publish")
    response = desk.client.post(change_url(desk.live), data)
    assert response.status_code == 403
    assert not Article.objects.filter(slug="the-copy").exists()
    assert_nothing_changed(desk)


@pytest.mark.parametrize("role", [ED, PUB])
def test_crafted_inline_rows_do_not_change_live_authors(
    desk_for, make_author, make_article, role
):
    """Rows naming the live article's own authorship (to change or delete it),
    or another article's, go into the draft at most: the byline readers see
    stays until a publisher publishes."""
    desk = desk_for(role)
    intruder = make_author("Ivy Intruder")
    other = make_article("Another live one", authors=[make_author("Olga Other")])
    own_row = Authorship.objects.get(article=desk.live)
    other_row = Authorship.objects.get(article=other)
    data = desk.owner_form()
    data.update(
        {
            "authorships-TOTAL_FORMS": "2",
            "authorships-INITIAL_FORMS": "2",
            "authorships-0-id": str(own_row.pk),
            "authorships-0-article": str(desk.live.pk),
            "authorships-0-author": str(intruder.pk),
            "authorships-0-position": "0",
            "authorships-1-id": str(other_row.pk),
            "authorships-1-article": str(other.pk),
            "authorships-1-author": str(intruder.pk),
            "authorships-1-position": "1",
            "authorships-1-DELETE": "on",
            "_action": "save",
        }
    )
    desk.client.post(change_url(desk.live), data)
    for article, name in ((desk.live, "Ann Lee"), (other, "Olga Other")):
        article.refresh_from_db()
        assert [a.name for a in article.ordered_authors()] == [name]
        page = desk.reader.get(article.get_absolute_url())
        assert name in page.text
        assert "Ivy Intruder" not in page.text
    assert Authorship.objects.filter(pk__in=[own_row.pk, other_row.pk]).count() == 2
