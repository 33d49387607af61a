"""An article imported from WordPress, with a figure in its body: the editor
keeps the figure through an edit, and readers see it."""

import io

from PIL import Image
from playwright.sync_api import expect

from articles.models import Article
from imports.images import ImageSource
from imports.mapping import Mapping
from imports.sample import Item, export
from imports.services import Importer
from tests.browser.conftest import axe_violations

SITE = "https://old.example.org"


def import_one(tmp_path, user):
    uploads = tmp_path / "uploads"
    (uploads / "2019").mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (800, 500), (30, 110, 90)).save(buffer, "PNG")
    (uploads / "2019" / "delta.png").write_bytes(buffer.getvalue())
    body = (
        "Before the figure.\n\n"
        f'[caption id="attachment_5" align="aligncenter" width="800"]'
        f'<img src="{SITE}/wp-content/uploads/2019/delta.png" alt="The delta" '
        f'width="800" height="500" /> The delta at low water[/caption]\n\n'
        "After the figure."
    )
    path = tmp_path / "export.xml"
    path.write_text(
        export(
            site=SITE,
            items=[
                Item(
                    wp_id=1,
                    title="Deltas",
                    slug="deltas",
                    content=body,
                    status="draft",
                    date_gmt=None,
                )
            ],
        ),
        encoding="utf-8",
    )
    report = Importer(
        user=user, mapping=Mapping(), images=ImageSource(uploads=uploads)
    ).run(path)
    assert (report.created, report.problems) == (1, []), report.problems
    return Article.objects.get(slug="deltas")


def test_an_imported_figure_survives_the_editor_and_reaches_readers(
    editor_page, editor, live_server, console_errors, tmp_path
):
    article = import_one(tmp_path, editor)
    assert "<figcaption>" in article.body
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    body = page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    expect(body.locator("img")).to_have_count(1)
    body.get_by_text("After the figure.").click()
    page.keyboard.press("End")
    page.keyboard.type(" Edited in Imprint.")
    page.locator("button[name=_action][value=publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("Deltas")

    article.refresh_from_db()
    assert article.is_public
    assert "Edited in Imprint." in article.body
    assert "<img" in article.body and "<figcaption>" in article.body

    reader = page.context.browser.new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    figure = reader.locator("article figure img[alt='The delta']")
    expect(figure).to_be_visible()
    assert figure.evaluate("img => img.naturalWidth") > 0
    assert axe_violations(reader) == []
    reader.close()
    assert console_errors == []
