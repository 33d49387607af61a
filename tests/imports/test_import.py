"""Importing WordPress exports: posts become articles through the desk, every
old address redirects, and a second run changes nothing."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from PIL import Image

from articles.models import Article, InDepthReport
from authors.models import Author
from editorial.models import Revision
from imports.images import ImageSource
from imports.mapping import Mapping
from imports.models import WordPressPost
from imports.sample import Author as WPAuthor
from imports.sample import Item, export
from imports.services import Importer
from regions.models import Region
from themes.models import Theme

pytestmark = pytest.mark.django_db

SITE = "https://old.example.org"
AUTHORS = [
    WPAuthor(1, "amina", "Amina Diallo"),
    WPAuthor(2, "jonas", "Jonas Berg"),
]
CATEGORIES = [
    ("regions", "Regions", ""),
    ("africa", "Africa", "regions"),
    ("sahel", "Sahel", "africa"),
    ("economy", "Economy", ""),
    ("energy-dossier", "Energy dossier", ""),
    ("opinion", "Opinion", ""),
    ("uncategorized", "Uncategorized", ""),
]
MAPPING = 'regions = ["regions/*"]\nthemes = ["economy"]\nreports = ["energy-dossier"]'


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def classic(**fields):
    defaults = {
        "wp_id": 10,
        "title": "Water &amp; power in the Sahel",
        "slug": "water-and-power",
        "content": "First paragraph.\n\nSecond paragraph with <em>emphasis</em>.",
        "excerpt": "<p>Why the river matters.</p>",
        "creator": "amina",
        "coauthors": ["jonas"],
        "categories": [
            ("sahel", "Sahel"),
            ("economy", "Economy"),
            ("opinion", "Opinion"),
        ],
        "tags": [("rivers", "Rivers")],
    }
    return Item(**(defaults | fields))


def block(**fields):
    defaults = {
        "wp_id": 11,
        "title": "Grid reform",
        "slug": "grid-reform",
        "content": "<!-- wp:paragraph -->\n<p>Block one.</p>\n<!-- /wp:paragraph -->"
        "\n\n<!-- wp:paragraph -->\n<p>Block two.</p>\n<!-- /wp:paragraph -->",
        "creator": "jonas",
        "categories": [
            ("energy-dossier", "Energy dossier"),
            ("uncategorized", "Uncategorized"),
        ],
    }
    return Item(**(defaults | fields))


def write(tmp_path, items, name="export.xml", **kwargs):
    path = tmp_path / name
    path.write_text(
        export(
            site=SITE, authors=AUTHORS, categories=CATEGORIES, items=items, **kwargs
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user(
        "pub", "pub@example.org", "pw-123456789"
    )
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Publisher"))
    return user


def run(publisher, path, *, mapping=MAPPING, images=None, dry_run=False):
    return Importer(
        user=publisher,
        mapping=Mapping.parse(mapping),
        images=images,
        dry_run=dry_run,
    ).run(path)


def test_posts_become_public_articles_with_their_authors_and_subjects(
    tmp_path, publisher, client
):
    report = run(publisher, write(tmp_path, [classic(), block()]))
    assert (report.created, report.skipped, report.error) == (2, 0, "")

    article = Article.objects.get(slug="water-and-power")
    assert article.title == "Water & power in the Sahel"
    assert article.standfirst == "Why the river matters."
    assert "<p>First paragraph.</p>" in article.body
    assert "<em>emphasis</em>" in article.body
    assert article.is_public
    assert article.publish_at.isoformat() == "2019-05-04T08:30:00+00:00"
    assert [author.name for author in article.ordered_authors()] == [
        "Amina Diallo",
        "Jonas Berg",
    ]
    # A subcategory of a subcategory of "regions" is a region; "economy" a
    # theme; a category named nowhere in the mapping a tag.
    assert list(article.regions.values_list("name", flat=True)) == ["Sahel"]
    assert list(article.themes.values_list("name", flat=True)) == ["Economy"]
    assert sorted(article.tags.names()) == ["Opinion", "Rivers"]

    grid = Article.objects.get(slug="grid-reform")
    assert "<!--" not in grid.body and "<p>Block one.</p>" in grid.body
    assert list(grid.reports.values_list("title", flat=True)) == ["Energy dossier"]
    assert list(grid.tags.names()) == []  # "Uncategorized" is nobody's choice

    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert "Water &amp; power in the Sahel" in page.content.decode()
    # Through the desk: a revision that went live, an audit entry.
    assert article.revisions.filter(published_at__isnull=False).exists()


def test_statuses_map_to_the_workflow(tmp_path, publisher):
    items = [
        classic(wp_id=1, slug="live", status="publish"),
        classic(
            wp_id=2,
            slug="later",
            status="future",
            date="2099-01-01 10:00:00",
            date_gmt="2099-01-01 09:00:00",
        ),
        classic(wp_id=3, slug="draft", status="draft", date_gmt=None),
        classic(wp_id=4, slug="pending", status="pending", date_gmt=None),
        classic(wp_id=5, slug="private", status="private"),
        classic(wp_id=6, slug="binned", status="trash"),
    ]
    report = run(publisher, write(tmp_path, items))
    assert (report.created, report.skipped) == (5, 1)
    articles = {article.slug: article for article in Article.objects.all()}
    assert articles["live"].is_public
    assert articles["later"].is_scheduled
    assert articles["later"].publish_at.isoformat() == "2099-01-01T09:00:00+00:00"
    for slug in ("draft", "pending", "private"):
        assert articles[slug].status == Article.Status.DRAFT
    assert "binned" not in articles
    assert set(Article.objects.published().values_list("slug", flat=True)) == {"live"}


def test_a_second_run_changes_nothing(tmp_path, publisher):
    path = write(tmp_path, [classic(), block()])
    run(publisher, path)
    before = {article.pk: article.updated_at for article in Article.objects.all()}
    revisions = Revision.objects.count()
    authors, regions = Author.objects.count(), Region.objects.count()

    report = run(publisher, path)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert {
        article.pk: article.updated_at for article in Article.objects.all()
    } == before
    assert Revision.objects.count() == revisions
    assert (Author.objects.count(), Region.objects.count()) == (authors, regions)


def test_a_newer_export_updates_what_changed_and_keeps_editors_work(
    tmp_path, publisher
):
    run(publisher, write(tmp_path, [classic(), block()]))
    article = Article.objects.get(slug="water-and-power")
    # An editor improves the standfirst here (through the desk: a live article's
    # change is a draft, then published).
    from editorial import services as desk
    from editorial.state import state_of

    state = state_of(article) | {"standfirst": "Edited in Imprint."}
    desk.save(article, user=publisher, state=state)
    desk.publish(article, user=publisher)
    revisions = article.revisions.count()

    newer = write(
        tmp_path,
        [classic(title="Water and power in the Sahel, revisited"), block()],
        name="newer.xml",
    )
    report = run(publisher, newer)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    article.refresh_from_db()
    assert article.title == "Water and power in the Sahel, revisited"
    assert article.standfirst == "Edited in Imprint."
    assert article.revisions.count() == revisions + 1
    assert Article.objects.count() == 2


def test_an_unpublished_post_is_taken_off_the_site(tmp_path, publisher):
    run(publisher, write(tmp_path, [classic()]))
    report = run(publisher, write(tmp_path, [classic(status="draft")], name="2.xml"))
    assert report.updated == 1
    assert not Article.objects.get(slug="water-and-power").is_public
    assert "unpublished here" in report.problems[0].message


def test_old_addresses_redirect_to_the_article(tmp_path, publisher, client):
    run(
        publisher,
        write(
            tmp_path,
            [
                classic(),
                classic(wp_id=12, slug="secret", status="draft", date_gmt=None),
            ],
        ),
    )
    article = Article.objects.get(slug="water-and-power")
    old = client.get("/2019/05/water-and-power/")
    assert old.status_code == 301
    assert old["Location"] == article.get_absolute_url()
    assert client.get("/2019/05/water-and-power").status_code == 301
    by_id = client.get("/?p=10")
    assert (by_id.status_code, by_id["Location"]) == (301, article.get_absolute_url())
    # A draft's old address gives nothing away.
    assert client.get("/2019/05/secret/").status_code == 404
    assert client.get("/?p=12").status_code == 200  # the home page, as any ?p=
    assert client.get("/?p=%C2%B2").status_code == 200


def test_the_old_address_follows_a_later_slug_change(tmp_path, publisher, client):
    run(publisher, write(tmp_path, [classic()]))
    article = Article.objects.get(slug="water-and-power")
    article.slug = "water-power-sahel"
    article.save()
    response = client.get("/2019/05/water-and-power/")
    assert response["Location"] == "/articles/water-power-sahel/"


def test_featured_image_from_the_uploads_folder_and_a_missing_one(tmp_path, publisher):
    uploads = tmp_path / "uploads"
    (uploads / "2019" / "05").mkdir(parents=True)
    (uploads / "2019" / "05" / "river.png").write_bytes(png_bytes())
    items = [
        Item(
            wp_id=50,
            post_type="attachment",
            status="inherit",
            title="River",
            excerpt="Photo: A. Photographer",
            attachment_url=f"{SITE}/wp-content/uploads/2019/05/river.png",
            meta={
                "_wp_attached_file": "2019/05/river.png",
                "_wp_attachment_image_alt": "The river at dawn",
            },
        ),
        Item(
            wp_id=51,
            post_type="attachment",
            status="inherit",
            title="Gone",
            attachment_url=f"{SITE}/wp-content/uploads/2019/05/gone.jpg",
            meta={"_wp_attached_file": "2019/05/gone.jpg"},
        ),
        classic(meta={"_thumbnail_id": "50"}),
        block(meta={"_thumbnail_id": "51"}),
    ]
    report = run(publisher, write(tmp_path, items), images=ImageSource(uploads=uploads))
    assert report.created == 2
    article = Article.objects.get(slug="water-and-power")
    assert article.featured_image.name.startswith("images/")
    assert article.featured_image_renditions
    assert article.image_alt == "The river at dawn"
    assert article.image_credit == "Photo: A. Photographer"
    grid = Article.objects.get(slug="grid-reform")
    assert not grid.featured_image
    assert [p.message for p in report.problems if p.wp_id == 11] == [
        f"Featured image {SITE}/wp-content/uploads/2019/05/gone.jpg left out: "
        "it is not in the uploads folder."
    ]


def test_a_damaged_image_is_refused_with_the_reason(tmp_path, publisher):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    items = [
        Item(
            wp_id=50,
            post_type="attachment",
            status="inherit",
            attachment_url=f"{SITE}/wp-content/uploads/bad.png",
            meta={"_wp_attached_file": "bad.png"},
        ),
        classic(meta={"_thumbnail_id": "50"}),
    ]
    report = run(publisher, write(tmp_path, items), images=ImageSource(uploads=uploads))
    assert report.created == 1
    assert "damaged or incomplete" in report.problems[0].message


class _Images(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path == "/wp-content/uploads/ok.png":
            body = png_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_images_are_downloaded_only_from_allowed_hosts(
    tmp_path, publisher, image_server, settings
):
    items = [
        Item(
            wp_id=50,
            post_type="attachment",
            status="inherit",
            attachment_url=f"{image_server}/wp-content/uploads/ok.png",
        ),
        Item(
            wp_id=51,
            post_type="attachment",
            status="inherit",
            attachment_url=f"{image_server}/wp-content/uploads/missing.png",
        ),
        Item(
            wp_id=52,
            post_type="attachment",
            status="inherit",
            attachment_url="https://elsewhere.example.com/x.png",
        ),
        classic(wp_id=1, slug="one", meta={"_thumbnail_id": "50"}),
        classic(wp_id=2, slug="two", meta={"_thumbnail_id": "51"}),
        classic(wp_id=3, slug="three", meta={"_thumbnail_id": "52"}),
    ]
    images = ImageSource(download=True, hosts=["127.0.0.1"])
    report = run(publisher, write(tmp_path, items), images=images)
    assert report.created == 3
    assert Article.objects.get(slug="one").featured_image
    assert any(
        p.wp_id == 2 and p.message.endswith("the server answered 404.")
        for p in report.problems
    )
    assert any(
        p.wp_id == 3
        and p.message.endswith("elsewhere.example.com is not an allowed host.")
        for p in report.problems
    )

    settings.IMAGE_MAX_BYTES = 1000
    WordPressPost.objects.all().delete()
    Article.objects.all().delete()
    from imports.models import WordPressImage

    WordPressImage.objects.all().delete()
    report = run(publisher, write(tmp_path, items), images=images)
    assert any(
        p.wp_id == 1 and "the limit is 1000" in p.message for p in report.problems
    )


def test_a_dry_run_saves_nothing_and_reports_what_it_would_do(tmp_path, publisher):
    report = run(publisher, write(tmp_path, [classic(), block()]), dry_run=True)
    assert (report.dry_run, report.created) == (True, 2)
    assert "would be imported" in report.summary()
    assert not Article.objects.exists()
    assert not Author.objects.exists()
    assert not Region.objects.exists() and not Theme.objects.exists()
    assert not InDepthReport.objects.exists()
    assert not WordPressPost.objects.exists()


def test_a_failing_post_is_reported_and_the_others_land(
    tmp_path, publisher, monkeypatch
):
    original = Importer.state_for

    def failing(self, post, article, problems):
        if post.wp_id == 11:
            raise ValueError("simulated failure")
        return original(self, post, article, problems)

    monkeypatch.setattr(Importer, "state_for", failing)
    report = run(
        publisher,
        write(tmp_path, [classic(), block(), classic(wp_id=12, slug="third")]),
    )
    assert (report.created, report.skipped) == (2, 1)
    assert report.problems[0].wp_id == 11
    assert "simulated failure" in report.problems[0].message
    assert set(Article.objects.values_list("slug", flat=True)) == {
        "water-and-power",
        "third",
    }


def test_a_post_failing_validation_is_reported_and_not_written(
    tmp_path, publisher, monkeypatch
):
    original = Importer.state_for

    def invalid(self, post, article, problems):
        state = original(self, post, article, problems)
        if post.wp_id == 11:
            state["original_url"] = "https://elsewhere.example/a"  # no outlet
        return state

    monkeypatch.setattr(Importer, "state_for", invalid)
    report = run(publisher, write(tmp_path, [classic(), block()]))
    assert (report.created, report.skipped) == (1, 1)
    assert report.problems[-1].wp_id == 11
    assert "Name the outlet" in report.problems[-1].message
    assert list(Article.objects.values_list("slug", flat=True)) == ["water-and-power"]
    assert not WordPressPost.objects.filter(wp_id=11).exists()


def test_an_import_writes_each_post_in_a_bounded_number_of_queries(
    tmp_path, publisher, django_assert_max_num_queries
):
    items = [
        classic(wp_id=20 + number, slug=f"post-{number}", title=f"Post {number}")
        for number in range(6)
    ]
    run(publisher, write(tmp_path, items[:1], name="first.xml"))  # makes subjects
    path = write(tmp_path, items, name="all.xml")
    # Per post: its record, the slug's checks, validation, the row, its
    # relations, one revision, one audit entry, the record written.
    with django_assert_max_num_queries(5 * 30):
        report = run(publisher, path)
    assert report.created == 5


def test_a_slug_already_taken_gets_a_suffix(tmp_path, publisher, make_article):
    make_article(title="Taken", slug="water-and-power")
    report = run(publisher, write(tmp_path, [classic()]))
    assert report.created == 1
    assert Article.objects.filter(slug="water-and-power-2").exists()
    assert "/articles/water-and-power-2/" in report.problems[0].message


def test_a_slug_that_redirects_elsewhere_gets_a_suffix(
    tmp_path, publisher, make_article
):
    moved = make_article(title="Moved", slug="water-and-power")
    moved.slug = "moved-on"
    moved.save()  # its old slug now redirects to it
    report = run(publisher, write(tmp_path, [classic(), block()]))
    assert report.created == 2
    article = Article.objects.get(slug="water-and-power-2")
    assert article.revisions.get().state["slug"] == "water-and-power-2"
    assert WordPressPost.objects.get(wp_id=10).imported_state["slug"] == (
        "water-and-power-2"
    )
    messages = [problem.message for problem in report.problems if problem.wp_id == 10]
    assert messages == [
        "Its address is now /articles/water-and-power-2/ "
        "(WordPress: “water-and-power”)."
    ]
    assert not [problem for problem in report.problems if problem.wp_id == 11]


def test_an_xml_bomb_is_refused_and_nothing_imported(tmp_path, publisher):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        "<rss><channel><title>&c;</title></channel></rss>"
    )
    report = run(publisher, bomb)
    assert report.error
    assert "entit" in report.error.lower()
    assert not Article.objects.exists()


def test_a_truncated_export_imports_what_came_before_and_says_so(tmp_path, publisher):
    text = export(
        site=SITE, authors=AUTHORS, categories=CATEGORIES, items=[classic(), block()]
    )
    cut = text.index("<item>", text.index("<item>") + 1) + 200
    path = tmp_path / "cut.xml"
    path.write_text(text[:cut], encoding="utf-8")
    report = run(publisher, path)
    assert report.error
    assert report.created == 1
    assert Article.objects.filter(slug="water-and-power").exists()


def test_a_stray_non_utf8_byte_is_replaced_and_reported(tmp_path, publisher):
    text = export(
        site=SITE,
        authors=AUTHORS,
        categories=CATEGORIES,
        items=[classic(title="Caf\x00")],
    )
    data = text.encode("utf-8").replace(b"Caf\x00", b"Caf\xe9")
    path = tmp_path / "latin1.xml"
    path.write_bytes(data)
    report = run(publisher, path)
    assert report.created == 1
    assert report.warnings
    assert Article.objects.get().title == "Caf\N{REPLACEMENT CHARACTER}"


def test_the_command_reports_and_refuses_bad_arguments(tmp_path, publisher):
    path = write(tmp_path, [classic(), block()])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(path),
        "--user",
        "pub",
        "--mapping",
        str(mapping),
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Dry run, nothing was saved: 2 would be imported" in out.getvalue()
    assert not Article.objects.exists()

    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(path),
        "--user",
        "pub",
        "--region",
        "regions/*",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "2 imported, 0 updated, 0 unchanged, 0 skipped." in out.getvalue()
    assert Region.objects.filter(slug="sahel").exists()

    with pytest.raises(CommandError, match="not valid TOML"):
        bad = tmp_path / "bad.toml"
        bad.write_text("regions = [")
        call_command(
            "import_wordpress", str(path), "--user", "pub", "--mapping", str(bad)
        )
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_wordpress", str(tmp_path / "nope.xml"), "--user", "pub")
    with pytest.raises(CommandError, match="may not publish"):
        from django.contrib.auth.models import User

        User.objects.create_user("nobody", "n@example.org", "pw-123456789")
        call_command("import_wordpress", str(path), "--user", "nobody")


def test_an_import_reaches_cached_pages_at_once(tmp_path, publisher, client):
    first = client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    run(publisher, write(tmp_path, [classic()]))
    after = client.get("/", headers={"if-none-match": first["ETag"]})
    assert (after.status_code, after["X-Cache"]) == (200, "miss")
    assert "Water &amp; power in the Sahel" in after.content.decode()


def test_an_odd_address_is_still_a_404(client):
    assert client.get("/2019/05/a%00b/").status_code == 404
    assert client.get("/" + "x" * 600 + "/").status_code == 404
