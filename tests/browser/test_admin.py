import io
import re

from PIL import Image
from playwright.sync_api import expect

from articles.models import Article
from authors.models import Author
from tests.browser.conftest import axe_violations


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 675), (40, 90, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_editor_writes_and_publishes_an_article(
    editor_page, live_server, console_errors
):
    Author.objects.create(name="Amira Haddad", slug="amira-haddad")
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/add/")

    page.get_by_label("Title:").press_sequentially("Rivers under pressure")
    expect(page.get_by_label("Slug:")).to_have_value("rivers-under-pressure")
    page.get_by_label("Standfirst:").fill("How basins share water.")

    editor = page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("## A heading")
    page.keyboard.press("Enter")
    page.keyboard.type("Plain words and ")
    page.keyboard.press("Control+b")
    page.keyboard.type("bold words")
    page.keyboard.press("Control+b")
    page.keyboard.type(" and a link.")
    # Select "link" and make it a link through the editor's dialog.
    page.keyboard.press("Shift+ArrowLeft")
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    page.locator("button[data-name=link]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("URL").fill("https://example.org/rivers")
    dialog.get_by_role("button", name="Update").click()

    # The author inline's autocomplete (select2), as an editor uses it.
    page.locator("#authorships-0 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Amira")
    page.locator(".select2-results__option", has_text="Amira Haddad").click()
    page.locator("#id_featured_image").set_input_files(
        files=[{"name": "river.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.get_by_label("Alt text:").fill("A river delta seen from above")
    page.get_by_label("Credit:").fill("Photo: Jo Lee")
    page.locator("button[name=_action][value=publish]").click()

    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("“Rivers under pressure” saved.")
    expect(messages).to_contain_text("Published.")
    article = Article.objects.get(slug="rivers-under-pressure")
    assert article.status == Article.Status.PUBLISHED
    assert "<h2>A heading</h2>" in article.body
    assert "<strong>bold words</strong>" in article.body
    assert 'href="https://example.org/rivers"' in article.body
    assert article.image_credit == "Photo: Jo Lee"
    assert article.featured_image.name.startswith("images/")
    assert list(article.authors.all()) == [Author.objects.get()]

    # A workflow button goes back to the change form; the list is one click away.
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.locator("#changelist-filter").get_by_role(
        "link", name="Published", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"[?&]state=live\b"))
    expect(page.locator("#result_list")).to_contain_text("Rivers under pressure")
    assert not console_errors


def test_article_change_page_has_no_accessibility_violations(
    editor_page, live_server, console_errors
):
    author = Author.objects.create(name="Amira Haddad", slug="amira-haddad")
    article = Article.objects.create(title="Basins", slug="basins", body="<p>Text</p>")
    article.authorships.create(author=author)
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    expect(
        page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    ).to_be_visible()
    # Only markup of our own: Django's tabular inlines (unlabelled cells) and its
    # file input (labelled by a <legend>) and its select2 autocomplete boxes are
    # Django's templates and bundle, not ours.
    violations = axe_violations(
        page,
        ignore=(
            'fieldset[aria-labelledby="authorships-heading"]',
            'fieldset[aria-labelledby="report_entries-heading"]',
            "#id_authorships-",
            "#id_report_entries-",
            "#id_featured_image",
            ".select2-search__field",
        ),
    )
    assert violations == [], [
        (v["id"], n["target"], n["html"][:120]) for v in violations for n in v["nodes"]
    ]
    assert not console_errors, console_errors
