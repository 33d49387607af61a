"""The editorial desk in Chromium: an editor drafts changes to a live article, a
publisher compares and publishes them, the editor restores the old text as a
draft, and an anonymous reader sees the live version all along."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.module_loading import import_string
from playwright.sync_api import expect

from articles.models import Article
from authors.models import Author
from tests.browser.conftest import axe_violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PASSWORD = "a-long-desk-password"
# Django's own admin markup on the change form (see test_admin.py): tabular
# inlines with unlabelled cells, the file input labelled by a <legend>, select2.
DJANGO_CHANGE_FORM = (
    'fieldset[aria-labelledby="authorships-heading"]',
    'fieldset[aria-labelledby="report_entries-heading"]',
    "#id_authorships-",
    "#id_report_entries-",
    "#id_featured_image",
    ".select2-search__field",
)


@pytest.fixture
def desk_groups(transactional_db):
    """The groups the data migrations make: a transactional test that ran
    before this one flushed them (permissions come back after a flush, groups
    do not)."""
    grants = {}
    for constant in (
        "articles.migrations.0002_editor_groups.GROUPS",
        "editorial.migrations.0002_groups.GRANTS",
    ):
        for name, wanted in import_string(constant).items():
            grants.setdefault(name, []).extend(wanted)
    for name, wanted in grants.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
                for app_label, codename in wanted
            )
        )


@pytest.fixture
def make_desk_user(desk_groups, django_user_model):
    def make(username, group):
        user = django_user_model.objects.create_user(
            username, f"{username}@example.org", PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(username=None)``: a page in a browser context of its own,
    logged in through the admin's login form when a username is given, and the
    list its console errors (CSP violations included) go to."""
    contexts = []

    def open_(username=None):
        context = browser.new_context(
            base_url=live_server.url,
            color_scheme="light",
            viewport={"width": 1280, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        if username:
            page.goto("/admin/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{live_server.url}/admin/")
        return page, errors

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def live_article(transactional_db):
    author = Author.objects.create(name="Amira Haddad", slug="amira-haddad")
    # One transaction: the catch-all records one revision of the saved article.
    with transaction.atomic():
        article = Article.objects.create(
            title="Rivers in the old light",
            slug="rivers",
            standfirst="How basins share water.",
            body="<p>The live text.</p>",
            status=Article.Status.PUBLISHED,
        )
        article.authorships.create(author=author)
    return article


def assert_no_violations(page, ignore=()):
    violations = axe_violations(page, ignore=ignore)
    assert violations == [], [
        (v["id"], n["target"], n["html"][:120]) for v in violations for n in v["nodes"]
    ]


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_draft_of_a_live_article_is_compared_published_and_restored(
    make_desk_user, live_article, open_page
):
    # open_page last: its browsers close before the database is emptied.
    make_desk_user("edna", "Editor")
    make_desk_user("pat", "Publisher")
    editor, editor_errors = open_page("edna")
    publisher, publisher_errors = open_page("pat")
    reader, reader_errors = open_page()
    change_url = f"/admin/articles/article/{live_article.pk}/change/"
    public_url = live_article.get_absolute_url()

    # The editor drafts new words; readers keep the live version.
    editor.goto(change_url)
    editor.get_by_label("Title:").fill("Rivers in the new light")
    body = editor.locator(".prose-editor .ProseMirror[contenteditable=true]")
    expect(body).to_contain_text("The live text.")
    body.click()
    editor.keyboard.press("Control+a")
    editor.keyboard.type("The revised text.")
    editor.get_by_label("What did you change?").fill("New words for the delta")
    editor.get_by_label("Comment for the review").fill("Is the new title clearer?")
    editor.get_by_role("button", name="Save draft").click()
    expect(editor.locator(".messagelist")).to_contain_text(
        "“Rivers in the new light” saved."
    )
    status = editor.locator(".desk-status")
    expect(status).to_contain_text("Live — draft changes not yet published")
    expect(editor.get_by_label("Title:")).to_have_value("Rivers in the new light")
    expect(editor.locator(".desk-comments")).to_contain_text(
        "Is the new title clearer?"
    )
    screenshot(editor, "editorial-change-form-draft.png")
    assert_no_violations(editor, ignore=DJANGO_CHANGE_FORM)

    reader.goto(public_url)
    expect(reader.locator("h1")).to_have_text("Rivers in the old light")
    expect(reader.locator(".body")).to_have_text("The live text.")

    # The publisher compares the draft with the live text, then publishes it.
    publisher.goto(change_url)
    publisher.get_by_role("link", name="Compare draft and live").click()
    expect(publisher.locator("h1")).to_contain_text("Compare revisions")
    title_change = publisher.locator("#change-title")
    expect(title_change.locator("del")).to_contain_text("old")
    expect(title_change.locator("ins")).to_contain_text("new")
    body_change = publisher.locator("#change-body")
    expect(body_change.locator("del")).to_contain_text("live")
    expect(body_change.locator("ins")).to_contain_text("revised")
    screenshot(publisher, "editorial-compare.png")
    assert_no_violations(publisher)
    publisher.go_back()
    # Readers have seen the article: publishing asks what kind of change it is.
    publisher.get_by_label("What kind of change is this?").select_option(
        label="A silent fix (a typo): no note"
    )
    publisher.get_by_role("button", name="Publish changes").click()
    messages = publisher.locator(".messagelist")
    expect(messages).to_contain_text("“Rivers in the new light” saved.")
    expect(messages).to_contain_text("Published.")
    expect(publisher.locator(".desk-status")).not_to_contain_text("draft changes")

    reader.reload()
    expect(reader.locator("h1")).to_have_text("Rivers in the new light")
    expect(reader.locator(".body")).to_have_text("The revised text.")

    # The editor restores the revision before the published one as a draft.
    editor.goto(change_url)
    editor.get_by_role("link", name="History", exact=True).click()
    expect(editor.locator("tr.desk-live")).to_contain_text("New words for the delta")
    assert_no_violations(editor)
    editor.locator("tr.desk-live + tr").get_by_role("link").first.click()
    editor.get_by_role("link", name="Restore as draft…").click()
    editor.get_by_role("button", name="Restore as draft").click()
    expect(editor.locator(".messagelist")).to_contain_text("restored as the draft")
    expect(editor.get_by_label("Title:")).to_have_value("Rivers in the old light")
    expect(editor.locator(".desk-status")).to_contain_text(
        "Live — draft changes not yet published"
    )
    expect(body).to_have_text("The live text.")

    reader.reload()
    expect(reader.locator("h1")).to_have_text("Rivers in the new light")
    expect(reader.locator(".body")).to_have_text("The revised text.")

    # History compares the two newest revisions by default: the words restored.
    editor.get_by_role("link", name="History", exact=True).click()
    editor.get_by_role("button", name="Compare the chosen revisions").click()
    body_change = editor.locator("#change-body")
    expect(body_change.locator("del")).to_contain_text("revised")
    expect(body_change.locator("ins")).to_contain_text("live")
    expect(editor.locator("#change-title ins")).to_contain_text("old")
    assert_no_violations(editor)

    assert not editor_errors, editor_errors
    assert not publisher_errors, publisher_errors
    assert not reader_errors, reader_errors
