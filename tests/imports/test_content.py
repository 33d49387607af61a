from pathlib import Path

import pytest

from imports.content import convert, parse_attributes, shortcode_names, wpautop
from imports.wxr import Export, WPAttachment, WPPost, scan
from publication.richtext import sanitize_html

EXPORT = Path(__file__).with_name("exports") / "field-notes.xml"
UPLOADS = "https://fieldnotes.example.org/wp-content/uploads/"


def attachment(wp_id, name, *, alt="", caption="", parent_id=None):
    return WPAttachment(
        wp_id=wp_id,
        url=f"{UPLOADS}{name}",
        title=name,
        alt=alt,
        caption=caption,
        file=name,
        parent_id=parent_id,
    )


ATTACHMENTS = {
    1: attachment(1, "2024/03/well.jpg", alt="A hand pump", caption="Dori, 2024."),
    2: attachment(2, "2024/03/market.png", parent_id=40),
    3: attachment(3, "2024/03/report.pdf", parent_id=40),
}


@pytest.fixture(scope="module")
def exported():
    """The test export's posts by id, and its attachments."""
    found = {item.wp_id: item for item in Export(EXPORT) if isinstance(item, WPPost)}
    return found, scan(EXPORT).attachments


def local_copy(url):
    """A resolve_image that has copied everything but queue.jpg."""
    if "queue" in url:
        return None
    return url.replace(UPLOADS, "/media/imports/")


# -- wpautop ---------------------------------------------------------------------


def test_wpautop_makes_paragraphs_and_line_breaks():
    text = "\nFirst paragraph.\n\nSecond, on\ntwo lines.\n\n\n\nThird.\n"
    assert wpautop(text) == (
        "<p>First paragraph.</p>\n<p>Second, on<br />\ntwo lines.</p>\n<p>Third.</p>\n"
    )


def test_wpautop_leaves_blocks_unwrapped():
    text = (
        "Intro:\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\nAfter the list.\n"
        "<h2>Title</h2>"
    )
    assert wpautop(text) == (
        "<p>Intro:</p>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<p>After the list.</p>\n"
        "<h2>Title</h2>\n"
    )


def test_wpautop_does_not_touch_pre():
    text = "Code:\n\n<pre>a = 1\n\nb = 2<br>c</pre>\n\nDone."
    assert wpautop(text) == (
        "<p>Code:</p>\n<pre>a = 1\n\nb = 2<br>c</pre>\n<p>Done.</p>\n"
    )


def test_wpautop_puts_paragraphs_inside_blockquotes():
    assert wpautop("<blockquote>One\n\nTwo</blockquote>") == (
        "<blockquote><p>One</p>\n<p>Two</p></blockquote>\n"
    )


def test_wpautop_keeps_newlines_inside_tags_and_scripts():
    text = 'A <a href="x"\ntitle="y">link</a>\n<script>\nvar a;\n</script>'
    assert wpautop(text) == (
        '<p>A <a href="x"\ntitle="y">link</a><br />\n<script>\nvar a;\n</script></p>\n'
    )


def test_wpautop_two_brs_make_a_paragraph_break():
    assert wpautop("One<br /><br>Two") == "<p>One</p>\n<p>Two</p>\n"


def test_wpautop_of_nothing():
    assert wpautop(" \n\t") == ""


# -- classic and block content -----------------------------------------------------


def test_a_classic_post(exported):
    posts, attachments = exported
    result = convert(posts[21].content, attachments=attachments)
    assert result.html == (
        "<p>Rainfall in the lower basin fell by a fifth over the decade.</p>"
        f'<figure><img src="{UPLOADS}2024/03/well.jpg" alt="A hand pump in Dori" '
        'width="640" height="427">'
        "<figcaption>A hand pump in Dori, March 2024.</figcaption></figure>"
        "<p>Officials <strong>did not</strong> publish the figures [sic], and the "
        "ministry's report [1] is silent.<br>\n"
        "A second line in the same paragraph.</p>"
        "<p>To show a shortcode, WordPress authors write [gallery].</p>"
    )
    assert result.problems == ["Unknown shortcode [contact-form-7] removed."]


def test_a_block_editor_post(exported):
    posts, attachments = exported
    result = convert(
        posts[22].content, attachments=attachments, resolve_image=local_copy
    )
    youtube = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert result.html == (
        "<p>Turnout was lower than in 2020.</p>"
        # The image block lost its image: its caption stays.
        "<p>Voters queueing at dawn.</p>"
        # The shortcode block's gallery: 102 has no copy, 999 is not there.
        "<figure><figure>"
        '<img src="/media/imports/2024/03/well.jpg" alt="A hand pump in Dori">'
        "<figcaption>A hand pump in Dori, March 2024.</figcaption>"
        "</figure></figure>"
        f'<p><a href="{youtube}">{youtube}</a></p>'
    )
    assert result.problems == [
        "The “latest-posts” block was left out: WordPress fills it in when the "
        "page is shown, so the export has nothing to import.",
        "Gallery image 999 is not in the export; left out.",
        f"Image {UPLOADS}2024/04/queue.jpg not found; left out.",
    ]


def test_block_content_gets_no_autop():
    content = (
        "<!-- wp:paragraph -->\n<p>One line\nand the next.</p>\n<!-- /wp:paragraph -->"
        "\n\n<!-- wp:paragraph -->\n<p>Another.</p>\n<!-- /wp:paragraph -->"
    )
    assert convert(content).html == "<p>One line\nand the next.</p><p>Another.</p>"


def test_block_comments_go_and_the_html_between_them_stays():
    content = (
        '<!-- wp:group {"layout":{"type":"constrained"}} -->\n'
        '<div class="wp-block-group"><!-- wp:heading -->\n'
        '<h2 class="wp-block-heading">Method</h2>\n<!-- /wp:heading -->\n\n'
        "<!-- wp:quote -->\n"
        '<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n'
        "<p>Nobody asked the farmers.</p>\n<!-- /wp:paragraph --><cite>An officer"
        "</cite></blockquote>\n<!-- /wp:quote --></div>\n<!-- /wp:group -->"
    )
    assert convert(content).html == (
        "<h2>Method</h2>"
        "<blockquote><p>Nobody asked the farmers.</p><p>An officer</p></blockquote>"
    )


def test_void_blocks_are_reported_once_each():
    content = (
        "<!-- wp:paragraph --><p>Text.</p><!-- /wp:paragraph -->"
        '<!-- wp:latest-posts {"postsToShow":3} /-->'
        "<!-- wp:latest-posts /-->"
        '<!-- wp:block {"ref":77} /-->'
        "<!-- wp:jetpack/subscriptions /-->"
    )
    result = convert(content)
    assert result.html == "<p>Text.</p>"
    assert result.problems == [
        "The “latest-posts” block was left out: WordPress fills it in when the "
        "page is shown, so the export has nothing to import.",
        "A reusable block was left out: its content is kept apart from the post "
        "(a wp_block item in the export).",
        "The “jetpack/subscriptions” block was left out: WordPress fills it in "
        "when the page is shown, so the export has nothing to import.",
    ]


def test_a_shortcode_block_is_a_shortcode():
    content = '<!-- wp:shortcode -->\n[contact-form-7 id="42"]\n<!-- /wp:shortcode -->'
    result = convert(content)
    assert result.html == ""
    assert result.problems == ["Unknown shortcode [contact-form-7] removed."]


def test_an_embed_block_becomes_a_link_and_keeps_its_caption():
    content = (
        '<!-- wp:embed {"url":"https://vimeo.com/76979871","type":"video"} -->\n'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        "https://vimeo.com/76979871\n</div><figcaption>The interview</figcaption>"
        "</figure>\n<!-- /wp:embed -->"
    )
    assert convert(content).html == (
        '<p><a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></p>'
        "<p>The interview</p>"
    )


# -- shortcodes --------------------------------------------------------------------


def test_caption_becomes_a_figure():
    content = (
        '[caption id="attachment_1" align="alignright" width="300"]'
        f'<a href="{UPLOADS}well.jpg"><img class="size-medium wp-image-1" '
        f'src="{UPLOADS}well-300x200.jpg" alt="" width="300" height="200" /></a>'
        " A hand pump, <em>Dori</em>.[/caption]"
    )
    assert convert(content).html == (
        f'<figure><img src="{UPLOADS}well-300x200.jpg" alt="" width="300" '
        'height="200"><figcaption>A hand pump, <em>Dori</em>.</figcaption></figure>'
    )


def test_a_caption_given_as_an_attribute():
    content = f'[caption caption="Dori"]<img src="{UPLOADS}w.jpg" alt="Pump">[/caption]'
    assert convert(content).html == (
        f'<figure><img src="{UPLOADS}w.jpg" alt="Pump"><figcaption>Dori'
        "</figcaption></figure>"
    )


def test_a_caption_in_the_middle_of_a_paragraph_is_lifted_out_of_it():
    content = f'Before [caption]<img src="{UPLOADS}w.jpg"> Pump[/caption] after.'
    assert convert(content).html == (
        "<p>Before</p>"
        f'<figure><img src="{UPLOADS}w.jpg" alt=""><figcaption>Pump</figcaption>'
        "</figure><p>after.</p>"
    )


def test_gallery_shows_the_attachments_it_names():
    result = convert('[gallery ids="1,2,404" columns="2"]', attachments=ATTACHMENTS)
    assert result.html == (
        "<figure>"
        f'<figure><img src="{UPLOADS}2024/03/well.jpg" alt="A hand pump">'
        "<figcaption>Dori, 2024.</figcaption></figure>"
        f'<figure><img src="{UPLOADS}2024/03/market.png" alt=""></figure>'
        "</figure>"
    )
    assert result.problems == ["Gallery image 404 is not in the export; left out."]


def test_gallery_without_ids_shows_the_posts_own_images():
    result = convert("[gallery]", attachments=ATTACHMENTS, post_id=40)
    assert result.html == (
        f'<figure><figure><img src="{UPLOADS}2024/03/market.png" alt=""></figure>'
        "</figure>"
    )
    assert result.problems == []


def test_gallery_without_ids_or_a_post_is_reported():
    result = convert("Intro.\n\n[gallery]", attachments=ATTACHMENTS)
    assert result.html == "<p>Intro.</p>"
    assert result.problems == ["A gallery that lists no images was left out."]


@pytest.mark.parametrize(
    ("content", "url"),
    [
        ("[embed]https://vimeo.com/1234[/embed]", "https://vimeo.com/1234"),
        ("[embed width=640]https://x.example/a?b=1&amp;c=2[/embed]", None),
        ('[video width="640" mp4="https://x.example/v.mp4"][/video]', None),
        ('[video src="https://x.example/v.webm"]', "https://x.example/v.webm"),
        ('[audio mp3="https://x.example/a.mp3"]', "https://x.example/a.mp3"),
        ("[youtube https://www.youtube.com/watch?v=xyz]", None),
        ("[youtube=https://www.youtube.com/watch?v=xyz]", None),
        ("[vimeo 1234]", "https://vimeo.com/1234"),
        ("https://www.youtube.com/watch?v=xyz", None),  # alone on its line
    ],
)
def test_embeds_and_media_become_a_link(content, url):
    url = url or {
        "[embed w": "https://x.example/a?b=1&c=2",
        "[video w": "https://x.example/v.mp4",
    }.get(content[:8], "https://www.youtube.com/watch?v=xyz")
    escaped = url.replace("&", "&amp;")
    result = convert(f"Watch:\n\n{content}\n\nThen read on.")
    assert result.html == (
        f'<p>Watch:</p><p><a href="{escaped}">{escaped}</a></p><p>Then read on.</p>'
    )
    assert result.problems == []


def test_unknown_shortcodes_go_their_text_stays_and_each_is_reported_once():
    content = (
        'Intro [note type="info"]Read this.[/note] and [tooltip]tip[/tooltip].\n\n'
        "[note]Again.[/note] [vc_row][vc_column]Column text[/vc_column][/vc_row]\n\n"
        '[button url="https://x.example" /]'
    )
    result = convert(content)
    assert result.html == ("<p>Intro Read this. and tip.</p><p>Again. Column text</p>")
    assert result.problems == [
        "Unknown shortcode [note] removed.",
        "Unknown shortcode [tooltip] removed.",
        "Unknown shortcode [vc_row] removed.",
        "Unknown shortcode [vc_column] removed.",
        "Unknown shortcode [button] removed.",
    ]


def test_ordinary_brackets_are_not_shortcodes():
    content = "The report [sic] cites [1], [see note 3] and [Editor: a typo]."
    result = convert(content)
    assert result.html == f"<p>{content}</p>"
    assert result.problems == []


def test_escaped_shortcodes_become_their_text():
    result = convert('Write [[gallery ids="1,2"]] or [[foo]], not [[sic].')
    assert result.html == ('<p>Write [gallery ids="1,2"] or [foo], not [[sic].</p>')
    assert result.problems == []


def test_which_names_are_shortcodes():
    text = (
        '[sic] [1] [gallery] [note a="b"] [x-box a=1] [hr /] [[esc]] [box]y[/box] '
        "[et_pb_text] [Editor: note]"
    )
    assert shortcode_names(text) == {
        "gallery", "note", "x-box", "hr", "esc", "box", "et_pb_text",
    }  # fmt: skip


def test_shortcode_attributes_as_wordpress_parses_them():
    assert parse_attributes(
        " ids=\"1,2\" Link='file' size=large https://x.example"
    ) == {
        "ids": "1,2",
        "link": "file",
        "size": "large",
        0: "https://x.example",
    }


# -- images and other HTML ---------------------------------------------------------


def test_every_image_goes_through_resolve_image_once():
    seen = []

    def resolve(url):
        seen.append(url)
        return url.replace("https://old.example/", "/media/")

    content = (
        '<img src="https://old.example/a.jpg" alt="A">\n\n'
        '<img src="https://old.example/a.jpg" alt="A again">\n\n'
        '[gallery ids="1"]'
    )
    result = convert(content, attachments=ATTACHMENTS, resolve_image=resolve)
    assert seen == ["https://old.example/a.jpg", f"{UPLOADS}2024/03/well.jpg"]
    assert '<img src="/media/a.jpg" alt="A">' in result.html
    assert result.html.count("/media/a.jpg") == 2


def test_an_image_that_cannot_be_had_is_left_out_and_reported():
    content = 'Before <img src="https://old.example/gone.jpg"> after.'
    result = convert(content, resolve_image=lambda url: None)
    assert result.html == "<p>Before  after.</p>"
    assert result.problems == [
        "Image https://old.example/gone.jpg not found; left out."
    ]


def test_a_figure_whose_image_is_gone_keeps_its_caption():
    content = (
        '<figure class="wp-block-image"><img src="https://old.example/gone.jpg" '
        'alt="x"/><figcaption class="wp-element-caption">The dam in 1998.'
        "</figcaption></figure>"
    )
    result = convert(content, resolve_image=lambda url: None)
    assert result.html == "<p>The dam in 1998.</p>"


def test_images_keep_alt_and_numeric_sizes_only():
    content = (
        '<p><img src="https://old.example/a.jpg" class="alignleft wp-image-5" '
        'style="border:0" width="640" height="auto" srcset="a-300.jpg 300w" '
        'sizes="100vw" loading="lazy" onerror="alert(1)"></p>'
    )
    assert convert(content).html == (
        '<p><img src="https://old.example/a.jpg" alt="" width="640"></p>'
    )


def test_an_image_in_a_data_url_is_left_out():
    result = convert('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">')
    assert result.html == ""
    assert result.problems == [
        "Image data:image/png;base64,iVBORw0KGgo= is not a web address; left out."
    ]


def test_a_link_around_an_image_to_the_old_image_file_goes():
    content = (
        f'<a href="{UPLOADS}map.png"><img src="{UPLOADS}map-300x200.png" alt="Map"></a>'
        f' and <a href="{UPLOADS}map.png">the full map</a>'
    )
    assert convert(content).html == (
        f'<p><img src="{UPLOADS}map-300x200.png" alt="Map"> and '
        f'<a href="{UPLOADS}map.png">the full map</a></p>'
    )


def test_frames_scripts_and_forms_are_left_out_and_reported():
    content = (
        '<iframe src="https://www.youtube.com/embed/xyz" width="560"></iframe>\n\n'
        "<script>track();</script><style>p{color:red}</style>\n\n"
        '<form action="/subscribe"><input name="email"></form>\n\n'
        "Text."
    )
    result = convert(content)
    assert result.html == (
        '<p><a href="https://www.youtube.com/embed/xyz">'
        "https://www.youtube.com/embed/xyz</a></p><p>Text.</p>"
    )
    assert result.problems == [
        "An embedded frame from www.youtube.com became a link.",
        "A script was left out.",
        "A form was left out.",
    ]


def test_a_table_becomes_a_paragraph_a_row():
    content = (
        "<table><thead><tr><th>Year</th><th>Rain</th></tr></thead><tbody>"
        '<tr><td>2020</td><td><a href="https://x.example/r">120</a> mm</td></tr>'
        "</tbody></table>"
    )
    result = convert(content)
    assert result.html == (
        '<p>Year | Rain</p><p>2020 | <a href="https://x.example/r">120</a> mm</p>'
    )
    assert result.problems == ["A table was turned into paragraphs, one a row."]


def test_headings_fit_the_levels_the_editor_has():
    assert convert("<h1>Big</h1>\n<h5>Small</h5>\n<h3>Mid</h3>").html == (
        "<h2>Big</h2><h4>Small</h4><h3>Mid</h3>"
    )


def test_empty_content():
    assert convert("") == convert("   \n ") == convert("<p>&nbsp;</p>")
    assert convert("").html == ""
    assert convert("").problems == []


def test_the_more_tag_and_comments_go():
    assert convert("Teaser.\n<!--more-->\nThe rest.").html == (
        "<p>Teaser.</p><p>The rest.</p>"
    )
    assert convert("One <!-- a note --> two.").html == "<p>One  two.</p>"


FOOTNOTED = (
    "<!-- wp:paragraph -->\n<p>Rainfall fell by a fifth"
    '<sup data-fn="6f1c" class="fn"><a href="#6f1c" id="6f1c-link">1</a></sup>'
    ' and wages rose<sup data-fn="9a2e" class="fn"><a href="#9a2e" id="9a2e-link">'
    "2</a></sup>.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:footnotes /-->"
)


def test_block_footnotes_become_a_numbered_list():
    meta = (
        '[{"content":"Ministry bulletin, <em>2021</em>.","id":"6f1c"},'
        '{"content":"Survey of 1,200 households.","id":"9a2e"}]'
    )
    result = convert(FOOTNOTED, footnotes=meta)
    assert result.html == (
        "<p>Rainfall fell by a fifth[1] and wages rose[2].</p>"
        "<ol><li>Ministry bulletin, <em>2021</em>.</li>"
        "<li>Survey of 1,200 households.</li></ol>"
    )
    assert result.problems == []
    assert sanitize_html(result.html) == result.html


def test_footnotes_without_their_meta_are_reported():
    result = convert(FOOTNOTED)
    assert result.html == "<p>Rainfall fell by a fifth[1] and wages rose[2].</p>"
    assert result.problems == ["The footnotes were left out."]


# -- through Imprint's sanitiser ---------------------------------------------------


def test_the_sanitiser_keeps_figures_images_and_captions(exported):
    posts, attachments = exported
    for wp_id in (21, 22):
        converted = convert(
            posts[wp_id].content, attachments=attachments, resolve_image=local_copy
        ).html
        assert "<figure><img" in converted or "<figure><figure><img" in converted
        assert "<figcaption>" in converted
        # The sanitiser adds rel="noopener" to links, and changes nothing else.
        assert sanitize_html(converted) == converted.replace(
            '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">',
            '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener">',
        )


@pytest.mark.parametrize(
    "content",
    [
        '[caption width="300"]<img src="https://x.example/a.jpg" alt="A" '
        'width="300" height="200"> Caption with <strong>bold</strong>.[/caption]',
        '[gallery ids="1,2"]',
        "<h1>T</h1>\n<blockquote>Q\n\nR</blockquote>\n<ul>\n<li>a</li>\n</ul>\nEnd",
        "<table><tr><td>a</td><td>b</td></tr></table><pre>x\ny</pre>",
    ],
)
def test_converted_html_passes_the_sanitiser_unchanged(content):
    converted = convert(content, attachments=ATTACHMENTS).html
    assert converted
    assert sanitize_html(converted) == converted


def test_list_items_close_as_html_says():
    assert convert("<ul><li><p>One<li>Two</ul>").html == (
        "<ul><li><p>One</p></li><li>Two</li></ul>"
    )


def test_text_is_written_as_the_sanitiser_writes_it():
    content = (
        'A\u00a0B &amp; C &lt;D&gt; <a href="https://x.example/?a=1&amp;b=2" '
        'title="Rain &quot;now&quot; &amp; <then>, it\'s">link</a>'
    )
    converted = convert(content).html
    assert converted == (
        "<p>A&nbsp;B &amp; C &lt;D&gt; "
        '<a href="https://x.example/?a=1&amp;b=2" '
        'title="Rain &quot;now&quot; &amp; &lt;then&gt;, it\'s">link</a></p>'
    )
    assert sanitize_html(converted) == converted.replace(
        '">link', '" rel="noopener">link'
    )
