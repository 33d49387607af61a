"""Nothing an editor types is lost, in Chromium: two people saving the same
article see each other's changes side by side instead of one silently
overwriting the other, typing survives a closed tab, and an expired session
keeps the form until the editor has logged in again."""

import re

from playwright.sync_api import expect

from articles.models import Article
from editorial.models import Autosave, Draft, Revision
from tests.browser import test_editorial
from tests.browser.test_editorial import (
    DJANGO_CHANGE_FORM,
    PASSWORD,
    assert_no_violations,
    screenshot,
)

# The desk's fixtures (users in the real groups, a context per person, a live
# article) are test_editorial's.
desk_groups = test_editorial.desk_groups
make_desk_user = test_editorial.make_desk_user
open_page = test_editorial.open_page
live_article = test_editorial.live_article

BODY = ".prose-editor .ProseMirror[contenteditable=true]"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def open_form(page, article):
    """The change form, once its script has said it is there (the heartbeat
    it sends on load)."""
    with page.expect_response(lambda r: r.url.endswith("/presence/")):
        page.goto(change_url(article))
    expect(page.locator(BODY)).to_be_visible()


def leave_form(page):
    """Leave a change form and let the script's goodbye (a pagehide beacon to
    presence/leave/, which Playwright does not report) go out, so no request
    of this test reaches the live server while the database is flushed for
    the next one. (The fixtures are asked for database first, so the browser
    contexts close before that flush.)"""
    page.goto("/admin/")
    page.wait_for_load_state("networkidle")


def test_two_editors_saving_the_same_article_see_both_changes(
    live_article, make_desk_user, open_page
):
    make_desk_user("edna", "Editor")
    make_desk_user("pat", "Publisher")
    edna, edna_errors = open_page("edna")
    pat, pat_errors = open_page("pat")

    open_form(edna, live_article)
    open_form(pat, live_article)
    expect(pat.locator("#desk-presence")).to_contain_text(
        "Also open by edna", timeout=5000
    )

    edna.get_by_label("Standfirst:").fill("How basins share water with towns.")
    edna.get_by_role("button", name="Save draft").click()
    expect(edna.locator(".messagelist")).to_contain_text("saved.")
    theirs = Draft.objects.get(article=live_article).revision.number

    pat.get_by_label("Caption:").fill("The delta at dawn")
    pat.get_by_role("button", name="Save draft").click()
    conflict = pat.locator(".desk-conflict")
    expect(conflict).to_contain_text(
        "Someone else saved this article after you opened it"
    )
    expect(conflict.locator("ins").filter(has_text="towns")).not_to_have_count(0)
    expect(conflict.locator("ins").filter(has_text="delta at dawn")).not_to_have_count(
        0
    )
    expect(pat.get_by_label("Caption:")).to_have_value("The delta at dawn")
    # Once the heartbeat's answer is shown (the script writes "(HH:MM)", the
    # server "(since HH:MM)"), it has said Edna's revision is newer: the panel
    # shows it already, so no second notice says "if you save, you will see
    # both".
    expect(pat.locator("#desk-presence")).to_have_text(
        re.compile(r"Also open by edna \(\d\d:\d\d\)\.")
    )
    expect(pat.locator("#desk-newer")).to_be_hidden()
    assert not Revision.objects.filter(created_by__username="pat").exists()
    draft = Draft.objects.get(article=live_article)
    assert draft.revision.number == theirs
    assert draft.revision.state["image_caption"] == ""
    screenshot(pat, "collab-conflict.png")
    assert_no_violations(pat, ignore=DJANGO_CHANGE_FORM)

    # Pat copies Edna's standfirst in, then knowingly saves over her revision.
    pat.get_by_role("button", name="Use their standfirst").click()
    expect(pat.get_by_label("Standfirst:")).to_have_value(
        "How basins share water with towns."
    )
    expect(pat.get_by_label("Caption:")).to_have_value("The delta at dawn")
    pat.get_by_label(f"Save my version over revision {theirs}").check()
    pat.get_by_role("button", name="Save draft").click()
    expect(pat.locator(".messagelist")).to_contain_text("saved.")
    expect(pat.locator(".desk-conflict")).to_have_count(0)

    state = Draft.objects.get(article=live_article).revision.state
    assert state["standfirst"] == "How basins share water with towns."
    assert state["image_caption"] == "The delta at dawn"
    live_article.refresh_from_db()
    assert live_article.standfirst == "How basins share water."

    pat.goto(f"/admin/articles/article/{live_article.pk}/history/")
    expect(pat.locator("#content")).to_contain_text(
        re.compile(rf"Saved over revision {theirs} by edna")
    )

    leave_form(edna)
    assert not edna_errors, edna_errors
    assert not pat_errors, pat_errors


def test_typing_survives_a_closed_tab_and_is_restored(
    live_article, make_desk_user, open_page
):
    make_desk_user("edna", "Editor")
    edna, errors = open_page("edna")
    reader, reader_errors = open_page()
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    edna.on("dialog", accept)
    open_form(edna, live_article)
    edna.get_by_label("Title:").fill("Rivers in a typed light")
    body = edna.locator(BODY)
    body.click()
    edna.keyboard.press("Control+a")
    edna.keyboard.type("Words typed and never saved.")
    expect(edna.locator("#desk-autosave-status")).to_contain_text(
        "Your typing was kept at", timeout=10_000
    )
    kept = Autosave.objects.get(article=live_article)
    assert kept.data["title"] == ["Rivers in a typed light"]

    # Leaving with unsaved changes asks first.
    edna.goto("/admin/")
    assert dialogs == ["beforeunload"]
    edna.close()

    again = edna.context.new_page()
    again.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    again.on("pageerror", lambda error: errors.append(str(error)))
    open_form(again, live_article)
    offer = again.locator("#desk-autosave-offer")
    expect(offer).to_contain_text("You have unsaved changes from")
    offer.locator("summary").click()
    # A word diff against the draft-less live text: the typed words inserted.
    expect(offer.locator("#change-title ins")).to_contain_text("a typed")
    expect(offer.locator("#change-body ins")).to_contain_text("never saved")
    screenshot(again, "collab-restore-offer.png")
    assert_no_violations(again, ignore=DJANGO_CHANGE_FORM)

    again.get_by_role("link", name="Restore them").click()
    expect(again.locator(".desk-notice")).to_contain_text("are back in the form")
    expect(again.get_by_label("Title:")).to_have_value("Rivers in a typed light")
    expect(again.locator(BODY)).to_have_text("Words typed and never saved.")

    reader.goto(live_article.get_absolute_url())
    expect(reader.locator("h1")).to_have_text("Rivers in the old light")
    expect(reader.locator(".body")).to_have_text("The live text.")

    again.get_by_role("button", name="Save draft").click()
    expect(again.locator(".messagelist")).to_contain_text(
        "“Rivers in a typed light” saved."
    )
    state = Draft.objects.get(article=live_article).revision.state
    assert state["title"] == "Rivers in a typed light"
    assert "Words typed and never saved." in state["body"]
    again.reload()
    expect(again.locator(BODY)).to_have_text("Words typed and never saved.")
    expect(again.locator("#desk-autosave-offer")).to_have_count(0)
    assert not Article.objects.filter(title="Rivers in a typed light").exists()
    leave_form(again)

    assert not errors, errors
    assert not reader_errors, reader_errors


def test_an_expired_session_keeps_the_form_until_logged_in_again(
    live_article, make_desk_user, open_page
):
    make_desk_user("edna", "Editor")
    edna, errors = open_page("edna")
    context = edna.context
    open_form(edna, live_article)
    title = edna.get_by_label("Title:")
    title.fill("Rivers after the")

    context.clear_cookies(name="sessionid")  # the csrftoken cookie stays
    title.press_sequentially(" timeout")
    panel = edna.locator("#desk-session")
    expect(panel).to_be_visible(timeout=10_000)
    expect(panel).to_contain_text("Your session has expired")
    screenshot(edna, "collab-session-expired.png")

    # Saving now would meet the login page: the script keeps the form instead.
    edna.get_by_role("button", name="Save draft").click()
    expect(panel).to_be_visible()
    expect(title).to_have_value("Rivers after the timeout")
    assert edna.url.endswith(change_url(live_article))
    assert not Draft.objects.filter(article=live_article).exists()

    with context.expect_page() as opened:
        panel.get_by_role("link", name="Log in again in a new tab").click()
    login = opened.value
    login.get_by_label("Username").fill("edna")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()
    expect(login.locator("#content")).to_contain_text("Go back to the tab")
    login.close()

    # The page polls every 4 s; then it has a fresh CSRF token too (logging in
    # rotates it).
    expect(panel).to_be_hidden(timeout=10_000)
    edna.get_by_role("button", name="Save draft").click()
    expect(edna.locator(".messagelist")).to_contain_text(
        "“Rivers after the timeout” saved."
    )
    state = Draft.objects.get(article=live_article).revision.state
    assert state["title"] == "Rivers after the timeout"
    leave_form(edna)

    # While logged out the page's own requests answered 401, which Chromium
    # logs as a failed resource load; anything else is a real error.
    unexpected = [
        error
        for error in errors
        if "Failed to load resource: the server responded with a status of 401"
        not in error
    ]
    assert not unexpected, unexpected
