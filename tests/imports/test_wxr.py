import io
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imports.wxr import (
    Export,
    ExportError,
    WPAttachment,
    WPAuthor,
    WPPost,
    WPSite,
    WPTerm,
    scan,
)

EXPORT = Path(__file__).with_name("exports") / "field-notes.xml"

HEAD = """<?xml version="1.0" encoding="{encoding}" ?>
<!-- generator="WordPress/6.5.3" created="2024-06-03 08:12" -->
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/{version}/"
>
<channel>
	<title>Small site</title>
	<link>https://small.example.org</link>
	<description></description>
	<language>fr-FR</language>
	<wp:wxr_version>{version}</wp:wxr_version>
	<wp:base_site_url>https://small.example.org</wp:base_site_url>
	<wp:base_blog_url>https://small.example.org</wp:base_blog_url>
"""


def item(wp_id, content="Text.", *, title="A post", post_type="post", extra=""):
    return f"""
	<item>
		<title><![CDATA[{title}]]></title>
		<link>https://small.example.org/?p={wp_id}</link>
		<dc:creator><![CDATA[editor]]></dc:creator>
		<guid isPermaLink="false">https://small.example.org/?p={wp_id}</guid>
		<description></description>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{wp_id}</wp:post_id>
		<wp:post_date><![CDATA[2024-03-05 09:30:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2024-03-05 08:30:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[post-{wp_id}]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[{post_type}]]></wp:post_type>{extra}
	</item>"""


def wxr(*items, version="1.2", encoding="UTF-8", channel=""):
    head = HEAD.format(version=version, encoding=encoding)
    return head + channel + "".join(items) + "\n</channel>\n</rss>\n"


def read(data):
    """Every item read from data (bytes or str), and the error if it broke."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    export = Export(io.BytesIO(data))
    items = []
    try:
        items.extend(export)
    except ExportError as error:
        return items, error, export
    return items, None, export


def posts(items):
    return {post.wp_id: post for post in items if isinstance(post, WPPost)}


@pytest.fixture(scope="module")
def exported():
    return list(Export(EXPORT))


# -- what the loader reads --------------------------------------------------------


def test_the_site_comes_first(exported):
    assert exported[0] == WPSite(
        title="Field Notes",
        link="https://fieldnotes.example.org",
        description="Research from the drylands",
        language="en-GB",
        base_site_url="https://fieldnotes.example.org",
        base_blog_url="https://fieldnotes.example.org",
        wxr_version="1.2",
    )


def test_items_come_in_file_order(exported):
    kinds = [type(item).__name__ for item in exported]
    assert (
        kinds
        == (["WPSite"] + ["WPAuthor"] * 3 + ["WPTerm"] * 9 + ["WPPost"] * 8)
        + ["WPAttachment"] * 2
    )


def test_authors(exported):
    authors = [item for item in exported if isinstance(item, WPAuthor)]
    assert authors[1] == WPAuthor(
        wp_id=2,
        login="amina.diallo",
        email="amina@example.org",
        display_name="Amina Diallo",
        first_name="Amina",
        last_name="Diallo",
    )
    assert [author.login for author in authors] == ["editor", "amina.diallo", "JMorel"]
    assert authors[0].first_name == ""  # an empty CDATA section


def test_nested_categories_name_their_parents(exported):
    categories = {
        term.slug: term
        for term in exported
        if isinstance(term, WPTerm) and term.taxonomy == "category"
    }
    assert categories["sahel"].parent == "west-africa"
    assert categories["west-africa"].parent == "regions"
    assert categories["regions"].parent == ""
    assert categories["west-africa"].name == "West Africa"
    assert categories["west-africa"].description == "Coast and Sahel"
    assert categories["west-africa"].wp_id == 5


def test_tags_and_other_taxonomies(exported):
    terms = {
        (term.taxonomy, term.slug): term
        for term in exported
        if isinstance(term, WPTerm)
    }
    # WordPress stores non-ASCII slugs percent-encoded.
    assert terms["post_tag", "élections"].name == "Élections"
    assert terms["post_tag", "élections"].description == "Votes and their aftermath"
    assert terms["author", "cap-jmorel"].name == "JMorel"
    assert terms["nav_menu", "main"].name == "Main"


def test_a_classic_post(exported):
    post = posts(exported)[21]
    assert post.post_type == "post"
    assert post.title == "Wells and the dry season"
    assert post.slug == "wells-and-the-dry-season"
    assert (
        post.link == "https://fieldnotes.example.org/2024/03/wells-and-the-dry-season/"
    )
    assert post.guid == "https://fieldnotes.example.org/?p=21"
    assert post.creator == "editor"
    assert post.status == "publish"
    assert post.content.startswith("Rainfall in the lower basin")
    assert '[caption id="attachment_101"' in post.content
    assert post.content.endswith("write [[gallery]].")
    assert post.excerpt == "Rainfall fell by a fifth."
    assert post.published_local == datetime(2024, 3, 5, 9, 30)
    assert post.published_gmt == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert post.modified_gmt == datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
    assert post.is_sticky
    assert post.password == ""


def test_terms_and_meta_of_a_post(exported):
    post = posts(exported)[21]
    assert [(term.taxonomy, term.slug, term.name) for term in post.terms] == [
        ("category", "sahel", "Sahel"),
        ("post_tag", "water", "Water"),
        ("author", "cap-amina-diallo", "amina.diallo"),
        ("author", "cap-jmorel", "JMorel"),
    ]
    assert post.meta == {"_edit_last": "1", "_thumbnail_id": "101"}
    assert post.thumbnail_id == 101


def test_co_authors_follow_the_creator_without_repeats(exported):
    assert posts(exported)[21].authors == ("editor", "amina.diallo", "JMorel")
    assert posts(exported)[22].authors == ("JMorel",)


def test_co_author_logins_without_an_author_entry_come_from_the_slug():
    terms = """
		<category domain="author" nicename="cap-editor"><![CDATA[editor]]></category>
		<category domain="author" nicename="cap-guest-writer"><![CDATA[guest-writer]]>
		</category>"""
    items, error, _ = read(wxr(item(1, extra=terms)))
    assert error is None
    assert posts(items)[1].authors == ("editor", "guest-writer")


def test_a_scheduled_post(exported):
    post = posts(exported)[23]
    assert post.status == "future"
    assert post.published_gmt == datetime(2024, 6, 10, 6, 0, tzinfo=UTC)
    assert post.published_gmt > post.modified_gmt


def test_a_private_post(exported):
    assert posts(exported)[24].status == "private"


def test_a_draft_has_no_publication_time_in_utc(exported):
    draft = posts(exported)[25]
    assert draft.status == "draft"
    assert draft.published_gmt is None  # 0000-00-00 00:00:00
    assert draft.published_local == datetime(2024, 5, 20, 16, 41, 7)
    assert draft.slug == ""
    assert draft.content == ""
    assert draft.terms == ()


def test_a_percent_encoded_slug_is_decoded(exported):
    assert posts(exported)[22].slug == "élections-à-niamey"


def test_block_editor_content_is_kept_as_written(exported):
    content = posts(exported)[22].content
    assert content.startswith("<!-- wp:paragraph -->\n<p>Turnout")
    assert '<!-- wp:latest-posts {"postsToShow":3} /-->' in content


def test_pages_menu_items_and_revisions_are_posts_too(exported):
    found = posts(exported)
    assert found[2].post_type == "page"
    assert found[30].post_type == "nav_menu_item"
    assert found[30].meta["_menu_item_object_id"] == "2"
    assert found[30].menu_order == 1
    assert found[26].post_type == "revision"
    assert found[26].parent_id == 21
    assert found[26].status == "inherit"


def test_attachments(exported):
    attachments = {a.wp_id: a for a in exported if isinstance(a, WPAttachment)}
    assert attachments[101] == WPAttachment(
        wp_id=101,
        url="https://fieldnotes.example.org/wp-content/uploads/2024/03/well.jpg",
        title="well",
        alt="A hand pump in Dori",
        caption="A hand pump in Dori, March 2024.",
        file="2024/03/well.jpg",
        parent_id=21,
        description="The pump was installed in 2019.",
        credit="Amina Diallo ©",  # from the IPTC data in _wp_attachment_metadata
    )
    assert attachments[102].parent_id is None
    assert attachments[102].alt == ""
    assert attachments[102].credit == "Jean Morel / Field Notes"  # _media_credit


def test_an_attachment_without_an_attachment_url_uses_its_guid():
    attachment = item(7, post_type="attachment").replace(
        "https://small.example.org/?p=7</guid>",
        "https://small.example.org/wp-content/uploads/map.png</guid>",
    )
    items, _, _ = read(wxr(attachment))
    assert items[-1].url == "https://small.example.org/wp-content/uploads/map.png"


def test_scan_collects_what_posts_refer_to():
    site, authors, terms, attachments, post_count = scan(EXPORT)
    assert site.title == "Field Notes"
    assert set(authors) == {"editor", "amina.diallo", "JMorel"}
    assert authors["JMorel"].display_name == "Jean Morel"
    # The featured image of post 21 comes after it in the file.
    assert attachments[101].file == "2024/03/well.jpg"
    assert set(attachments) == {101, 102}
    assert post_count == 8
    keys = [(term.taxonomy, term.slug) for term in terms]
    assert keys.index(("category", "regions")) < keys.index(("category", "sahel"))
    # A term only an item names is there too, after the channel's own.
    assert keys[-1] == ("post_format", "post-format-gallery")
    assert len(keys) == len(set(keys))
    # The channel's version of a term, with its parent, wins over an item's.
    assert {term.slug: term for term in terms}["sahel"].parent == "west-africa"


def test_scan_takes_a_file_object_as_well():
    with EXPORT.open("rb") as file:
        assert scan(file).post_count == 8


def test_a_file_object_is_read_again_from_where_it_started():
    with EXPORT.open("rb") as file:
        export = Export(file)
        first = list(export)
        second = list(export)
    assert first == second
    assert len(first) == 23


def test_progress_is_the_bytes_read(exported):
    export = Export(EXPORT)
    seen = []
    for _ in export:
        seen.append(export.bytes_read)
    assert seen == sorted(seen)
    assert export.bytes_read == export.size == EXPORT.stat().st_size


def test_wxr_1_1_is_read_the_same():
    export = wxr(item(5, "Older export."), version="1.1")
    assert 'xmlns:wp="http://wordpress.org/export/1.1/"' in export
    items, error, reader = read(export)
    assert error is None
    assert items[0].wxr_version == "1.1"
    assert posts(items)[5].content == "Older export."
    assert posts(items)[5].published_gmt == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert reader.warnings == []


def test_empty_elements_escaped_text_and_split_cdata():
    # WordPress writes "]]>" inside content as "]]]]><![CDATA[>"; titles were
    # written as escaped text before WordPress 5.7.
    old_style = """
	<item>
		<title>Prices &amp; wages</title>
		<dc:creator>editor</dc:creator>
		<content:encoded><![CDATA[if (a[b[0]]]]><![CDATA[> 1) {}]]></content:encoded>
		<excerpt:encoded/>
		<wp:post_id>9</wp:post_id>
		<wp:post_date_gmt></wp:post_date_gmt>
		<wp:post_name/>
		<wp:status>publish</wp:status>
		<wp:post_type>post</wp:post_type>
	</item>"""
    items, error, _ = read(wxr(old_style))
    assert error is None
    post = posts(items)[9]
    assert post.title == "Prices & wages"
    assert post.content == "if (a[b[0]]> 1) {}"
    assert post.excerpt == ""
    assert post.slug == ""
    assert post.published_gmt is None
    assert post.terms == ()
    assert post.meta == {}
    assert post.thumbnail_id is None


def test_an_export_with_nothing_in_it_still_has_its_site():
    items, error, _ = read(wxr())
    assert error is None
    assert [type(found) for found in items] == [WPSite]


def test_an_item_without_a_post_id_is_skipped_and_reported():
    broken = item(3).replace("<wp:post_id>3</wp:post_id>", "")
    items, error, export = read(wxr(broken, item(4)))
    assert error is None
    assert list(posts(items)) == [4]
    assert export.warnings == ["An item with no post id (titled “A post”) was skipped."]


# -- damaged files ------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_replaced_and_counted():
    data = wxr(item(1, "Caf=E9 and na=EFve"), item(2)).encode("utf-8")
    data = data.replace(b"=E9", b"\xe9").replace(b"=EF", b"\xef")
    items, error, export = read(data)
    assert error is None
    assert posts(items)[1].content == "Caf\ufffd and na\ufffdve"
    assert posts(items)[2].content == "Text."
    assert export.warnings == ["2 bytes that are not UTF-8 were replaced with �."]


class Trickle:
    """A file that gives one byte a read, as a slow upload might."""

    def __init__(self, data):
        self.data = data
        self.position = 0

    def read(self, size=-1):
        self.position += 1
        return self.data[self.position - 1 : self.position]


def test_a_character_split_across_reads_is_not_a_stray_byte():
    data = wxr(item(1, "Élections à Niamey, “quoted” 🗳")).encode("utf-8")
    export = Export(Trickle(data))
    found = list(export)
    assert posts(found)[1].content == "Élections à Niamey, “quoted” 🗳"
    assert export.warnings == []
    assert export.bytes_read == len(data)


def test_control_characters_xml_forbids_are_dropped():
    items, error, export = read(wxr(item(1, "Smart\x08 quotes\x1b")))
    assert error is None
    assert posts(items)[1].content == "Smart quotes"
    assert export.warnings == [
        "2 control characters that XML does not allow were removed."
    ]


def test_a_file_declared_latin1_is_read_as_windows_1252():
    data = wxr(item(1, "CAFE QUOTE"), encoding="ISO-8859-1").encode("ascii")
    data = data.replace(b"CAFE", b"caf\xe9").replace(b"QUOTE", b"\x93quoted\x94")
    items, error, export = read(data)
    assert error is None
    assert posts(items)[1].content == "café “quoted”"
    assert export.warnings == []
    # The declaration is found however few bytes each read gives.
    assert posts(Export(Trickle(data)))[1].content == "café “quoted”"


def test_a_truncated_file_yields_what_came_before_it_and_says_where():
    data = EXPORT.read_bytes()
    cut = data.index(b"<wp:post_id>23</wp:post_id>")  # inside the third post
    items, error, _ = read(data[:cut])
    assert list(posts(items)) == [21, 22]
    assert error.line == data[:cut].count(b"\n") + 1
    assert error.column == len(data[:cut].rsplit(b"\n", 1)[1]) + 1
    assert str(error) == (
        f"The export ends early, at line {error.line}, column {error.column}: it "
        "may have been cut off while downloading. Everything before that point "
        "was read."
    )


def test_a_file_broken_in_the_middle_says_where():
    data = EXPORT.read_text(encoding="utf-8")
    broken = data.replace("<wp:post_id>22</wp:post_id>", "<wp:post_id>22</wp:post>")
    before = broken[: broken.index("</wp:post>")]
    line, start = before.count("\n") + 1, len(before.rsplit("\n", 1)[1])
    items, error, _ = read(broken)
    assert list(posts(items)) == [21]
    assert error.line == line
    assert start < error.column <= start + len("</wp:post>")
    assert str(error) == (
        f"The export is broken at line {line}, column {error.column} (mismatched "
        "tag). Everything before that point was read."
    )


def test_a_zipped_export_is_recognised(tmp_path):
    archive = tmp_path / "fieldnotes.wordpress.2024-06-03.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(EXPORT, "fieldnotes.wordpress.2024-06-03.000.xml")
    items, error, _ = read(archive.read_bytes())
    assert items == []
    assert str(error) == (
        "This is a ZIP archive, not the export itself: unzip it and import the "
        ".xml file inside (WordPress.com sends its exports zipped)."
    )


def test_an_empty_file():
    items, error, _ = read(b"")
    assert items == []
    assert str(error) == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>',
        "<rss version='2.0'><channel><title>A feed</title><item><title>x</title>"
        "</item></channel></rss>",
    ],
    ids=["atom", "rss"],
)
def test_a_feed_is_not_an_export(data):
    items, error, _ = read(data)
    assert items == []
    assert str(error).startswith("This is not a WordPress export")


def test_an_unknown_wxr_version_is_read_with_a_warning():
    items, error, export = read(wxr(item(1), version="1.3"))
    assert error is None
    assert list(posts(items)) == [1]
    assert export.warnings == [
        "The export is WXR version 1.3; this importer knows versions 1.0 to 1.2, "
        "so some of it may be missed."
    ]


# -- hostile files -------------------------------------------------------------------

BOMB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
""" + wxr(item(1, "]]>&lol9;<![CDATA[")).split("\n", 1)[1]


def test_a_billion_laughs_is_refused_before_anything_is_expanded():
    started = time.monotonic()
    tracemalloc.start()
    try:
        items, error, _ = read(BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert items == []
    assert str(error) == (
        "The file declares its own XML entities (“lol”), which a WordPress export "
        "never does; it was refused as unsafe and nothing in it was read."
    )
    # Expanded, &lol9; is three billion characters.
    assert peak < 5_000_000
    assert time.monotonic() - started < 5


def test_an_entity_that_reads_a_local_file_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the contents of a local file")
    xxe = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
""" + wxr(item(1, "]]>&xxe;<![CDATA[")).split("\n", 1)[1]
    items, error, _ = read(xxe)
    assert items == []
    assert str(error) == (
        f"The file declares entities that read from outside the file "
        f"({secret.as_uri()}), which a WordPress export never does; it was "
        "refused as unsafe and nothing in it was read."
    )


def test_the_classic_etc_passwd_entity_is_refused():
    xxe = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&xxe;</title><wp:wxr_version>1.2</wp:wxr_version></channel></rss>"""
    items, error, _ = read(xxe)
    assert items == []
    assert "(file:///etc/passwd)" in str(error)
    assert "refused as unsafe" in str(error)


def test_an_external_dtd_is_refused():
    external = """<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "https://attacker.example/wxr.dtd">
""" + wxr(item(1)).split("\n", 1)[1]
    items, error, _ = read(external)
    assert items == []
    assert str(error) == (
        "The file declares entities in a DTD outside the file "
        "(https://attacker.example/wxr.dtd), which a WordPress export never does; "
        "it was refused as unsafe and nothing in it was read."
    )


# -- memory -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_export(tmp_path_factory):
    """An export of 3,000 posts of 8 kB each (about 25 MB), written in pieces."""
    path = tmp_path_factory.mktemp("exports") / "large.xml"
    paragraph = "<p>" + "Rainfall in the basin fell by a fifth. " * 25 + "</p>\n"
    with path.open("w", encoding="utf-8") as file:
        file.write(HEAD.format(version="1.2", encoding="UTF-8"))
        for wp_id in range(1, 3001):
            file.write(item(wp_id, paragraph * 8, title=f"Post {wp_id}"))
        file.write("</channel></rss>\n")
    return path


def peak_memory(function):
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_reading_holds_about_one_item_in_memory(large_export):
    size = large_export.stat().st_size
    assert size > 20_000_000

    def read_all():
        count = characters = 0
        for found in Export(large_export):
            if isinstance(found, WPPost):
                count += 1
                characters += len(found.content)
        return count, characters

    (count, characters), peak = peak_memory(read_all)
    assert count == 3000
    assert characters > 20_000_000  # every post's content was there to read
    # Reading the file into a tree would need more than its size; this holds
    # an item (8 kB) and the parser's buffers.
    assert peak < size / 20


def test_scan_keeps_no_content(large_export):
    result, peak = peak_memory(lambda: scan(large_export))
    assert result.post_count == 3000
    assert peak < large_export.stat().st_size / 20
