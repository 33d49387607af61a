"""How to cite an article: the Highwire and Dublin Core tags, the box of styles
and the BibTeX and RIS files reference managers import."""

import html
import re
from datetime import UTC, date, datetime

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares

from articles.citations import split_name

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def article(make_article, make_author):
    return make_article(
        "Rivers run dry",
        slug="rivers",
        authors=[make_author("Ann Lee"), make_author("Bo Chen")],
        publish_at=PUBLISHED,
    )


@pytest.fixture
def cross_post(make_article, make_author):
    return make_article(
        "Floods & 100% {rain}",
        slug="floods",
        authors=[make_author("José Núñez"), make_author("Zoë van der Berg")],
        publish_at=PUBLISHED,
        original_outlet="The Monitor",
        original_url="https://monitor.example/floods",
        original_published_at=date(2024, 3, 2),
    )


def parse_bib(text):
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
        ],
    )
    assert not library.failed_blocks
    assert len(library.entries) == 1
    entry = library.entries[0]
    return entry, {field.key: field.value for field in entry.fields}


def parse_ris(content):
    assert content.endswith(b"ER  - \r\n")
    assert b"\n" not in content.replace(b"\r\n", b"")
    entries = rispy.loads(content.decode())
    assert len(entries) == 1
    return entries[0]


def meta(page, name):
    return [
        html.unescape(value)
        for value in re.findall(
            rf'<meta name="{re.escape(name)}" content="([^"]*)">', page
        )
    ]


def test_bibtex_parses_with_authors_in_order_and_date(client, article):
    response = client.get("/articles/rivers/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rivers.bib"'
    assert "public" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    entry, fields = parse_bib(response.content.decode())
    assert entry.entry_type == "article"
    assert entry.key == "lee2026rivers"
    assert fields["author"] == ["Lee, Ann", "Chen, Bo"]
    assert fields["title"] == "Rivers run dry"
    assert fields["journal"] == "Imprint Review"
    assert fields["year"] == "2026"
    assert fields["month"] == "mar"
    assert fields["date"] == "2026-03-02"
    assert fields["url"] == f"{SITE}/articles/rivers/"
    assert "note" not in fields


def test_ris_parses_with_authors_in_order_and_date(client, article):
    response = client.get("/articles/rivers/cite.ris")
    assert response.status_code == 200
    assert (
        response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    )
    assert response["Content-Disposition"] == 'attachment; filename="rivers.ris"'
    entry = parse_ris(response.content)
    assert entry["type_of_reference"] == "JOUR"
    assert entry["authors"] == ["Lee, Ann", "Chen, Bo"]
    assert entry["title"] == "Rivers run dry"
    assert entry["secondary_title"] == "Imprint Review"
    assert entry["year"] == "2026"
    assert entry["date"] == "2026/03/02"
    assert entry["urls"] == [f"{SITE}/articles/rivers/"]
    assert "notes" not in entry


def test_cross_post_names_the_original_outlet_and_date(client, cross_post):
    _, fields = parse_bib(client.get("/articles/floods/cite.bib").content.decode())
    assert fields["note"] == "Originally published in The Monitor, March 2, 2024"
    ris = parse_ris(client.get("/articles/floods/cite.ris").content)
    assert ris["notes"] == [
        "Originally published in The Monitor, March 2, 2024. "
        "https://monitor.example/floods"
    ]
    page = client.get("/articles/floods/").text
    assert meta(page, "DC.source") == ["https://monitor.example/floods"]
    box = page[page.index('<section class="cite"') :]
    assert "Originally published in The Monitor, March 2, 2024." in box
    assert "Originally published in The Monitor, 2 Mar. 2024." in box
    assert "(Original work published in The Monitor, March 2, 2024)" in box


def test_accents_and_specials_survive_both_formats(client, cross_post):
    text = client.get("/articles/floods/cite.bib").content.decode()
    assert r"Floods \& 100\% \{rain\}" in text  # escaped for BibTeX
    assert "&amp;" not in text
    entry, fields = parse_bib(text)
    assert fields["title"] == "Floods & 100% {rain}"
    assert fields["author"] == ["Núñez, José", "van der Berg, Zoë"]
    assert entry.key == "nunez2026floods"
    ris = parse_ris(client.get("/articles/floods/cite.ris").content)
    assert ris["title"] == "Floods & 100% {rain}"
    assert ris["authors"] == ["Núñez, José", "van der Berg, Zoë"]


def test_every_bibtex_special_is_escaped(client, make_article):
    title = r"A {b} 50% & $1 #2 under_score ~tilde ^hat \back"
    make_article(title, slug="specials", publish_at=PUBLISHED)
    text = client.get("/articles/specials/cite.bib").content.decode()
    title_line = next(line for line in text.splitlines() if "title =" in line)
    bare = re.sub(r"\\[a-z]+\{\}|\\[{}%&$#_]", "", title_line)
    assert not set(bare.split("=", 1)[1].strip(" ,")[2:-2]) & set("{}%&$#_~^\\")
    _, fields = parse_bib(text)
    # pylatexenc decodes \textasciicircum{} as U+02C6; LaTeX prints "^".
    assert fields["title"].replace("\u02c6", "^") == title
    assert "author" not in fields
    assert parse_ris(client.get("/articles/specials/cite.ris").content)["title"] == (
        title
    )


def test_meta_tags_carry_authors_in_order(client, article):
    page = client.get("/articles/rivers/").text
    head = page[: page.index("</head>")]
    assert meta(head, "citation_title") == ["Rivers run dry"]
    assert meta(head, "citation_author") == ["Lee, Ann", "Chen, Bo"]
    assert meta(head, "citation_publication_date") == ["2026/03/02"]
    assert meta(head, "citation_online_date") == ["2026/03/02"]
    assert meta(head, "citation_journal_title") == ["Imprint Review"]
    assert meta(head, "citation_publisher") == ["Imprint Review"]
    assert meta(head, "citation_fulltext_html_url") == [f"{SITE}/articles/rivers/"]
    assert meta(head, "citation_language") == ["en"]
    assert meta(head, "DC.title") == ["Rivers run dry"]
    assert meta(head, "DC.creator") == ["Lee, Ann", "Chen, Bo"]
    assert meta(head, "DC.date") == ["2026-03-02"]
    assert meta(head, "DC.identifier") == [f"{SITE}/articles/rivers/"]
    assert meta(head, "DC.type") == ["Text"]
    assert meta(head, "DC.rights") == [
        "Copyright © Ann Lee, Bo Chen, Imprint Review, 2026"
    ]
    assert meta(head, "DC.source") == []


def test_box_shows_three_styles_and_both_downloads(client, article):
    page = client.get("/articles/rivers/").text
    box = page[page.index('<section class="cite"') :]
    box = box[: box.index("</section>")]
    assert 'aria-labelledby="cite-heading"' in box
    assert "How to cite" in box
    assert (
        '<p class="cite-text" id="cite-apa">Lee, A., &amp; Chen, B. (2026, March 2). '
        f"Rivers run dry. Imprint Review. {SITE}/articles/rivers/</p>"
    ) in box
    assert (
        "Lee, Ann, and Bo Chen. “Rivers run dry.” Imprint Review, 2 Mar. 2026, "
        "127.0.0.1:8000/articles/rivers/. Accessed "
    ) in box
    assert (
        "Lee, Ann, and Bo Chen. “Rivers run dry.” Imprint Review, March 2, 2026. "
        f"{SITE}/articles/rivers/.</p>"
    ) in box
    for style in ("apa", "mla", "chicago"):
        assert f'data-copy-target="cite-{style}"' in box
    assert '<a href="/articles/rivers/cite.bib" download>BibTeX (.bib)</a>' in box
    assert '<a href="/articles/rivers/cite.ris" download>RIS (.ris)</a>' in box
    assert "js/copy.js" in page


def test_box_comes_after_the_article_and_before_the_bios(client, article):
    page = client.get("/articles/rivers/").text
    assert page.index("</article>") < page.index("How to cite")
    assert page.index("How to cite") < page.index("About the authors")


def test_apa_lists_many_authors_with_an_ampersand(client, make_article, make_author):
    authors = [make_author(name) for name in ("Ann Lee", "Bo Chen", "Cy Dee")]
    make_article("Three", slug="three", authors=authors, publish_at=PUBLISHED)
    page = client.get("/articles/three/").text
    assert "Lee, A., Chen, B., &amp; Dee, C. (2026, March 2). Three." in page
    assert "Lee, Ann, et al. “Three.”" in page  # MLA
    assert "Lee, Ann, Bo Chen, and Cy Dee. “Three.”" in page  # Chicago


def test_draft_citation_files_are_404_like_missing_ones(client, make_article):
    make_article("Secret", slug="secret", state="draft")
    make_article("Later", slug="later", state="scheduled")
    for suffix in ("cite.bib", "cite.ris"):
        missing = client.get(f"/articles/nothing/{suffix}")
        assert missing.status_code == 404
        for slug in ("secret", "later"):
            response = client.get(f"/articles/{slug}/{suffix}")
            assert response.status_code == 404
            assert response.text.replace(slug, "X") == missing.text.replace(
                "nothing", "X"
            )
            assert sorted(response.headers) == sorted(missing.headers)
            assert "Content-Disposition" not in response


def test_renamed_article_old_citation_addresses_redirect(client, article):
    article.slug = "rivers-dry"
    article.save()
    for suffix in ("cite.bib", "cite.ris"):
        response = client.get(f"/articles/rivers/{suffix}")
        assert response.status_code == 301
        assert response["Location"] == f"/articles/rivers-dry/{suffix}"
        assert client.get(response["Location"]).status_code == 200


def test_not_modified_for_an_unchanged_article(client, article):
    first = client.get("/articles/rivers/cite.bib")
    again = client.get("/articles/rivers/cite.bib", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("full", "inverted", "apa"),
    [
        ("Ann Lee", "Lee, Ann", "Lee, A."),
        ("Mary Ann Jean-Paul Smith", "Smith, Mary Ann Jean-Paul", "Smith, M. A. J.-P."),
        ("Plato", "Plato", "Plato"),
        (
            "Mekong River Commission",
            "Mekong River Commission",
            "Mekong River Commission",
        ),
        ("Ludwig van Beethoven", "van Beethoven, Ludwig", "van Beethoven, L."),
        ("Martin Luther King Jr.", "King, Martin Luther, Jr.", "King, M. L., Jr."),
        ("  Ann   Lee ", "Lee, Ann", "Lee, A."),
    ],
)
def test_names_split_on_the_last_space(full, inverted, apa):
    name = split_name(full)
    assert name.inverted() == inverted
    assert name.apa() == apa


def test_organisation_stays_whole_in_bibtex(client, make_article, make_author):
    make_article(
        "Report",
        slug="report",
        authors=[make_author("Mekong River Commission"), make_author("Ann Lee")],
        publish_at=PUBLISHED,
    )
    text = client.get("/articles/report/cite.bib").content.decode()
    assert "author = {{Mekong River Commission} and Lee, Ann}" in text
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    first, second = library.entries[0]["author"]
    assert first.last == ["{Mekong River Commission}"] and not first.first
    assert second.last == ["Lee"] and second.first == ["Ann"]
