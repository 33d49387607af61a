import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from articles.models import Article
from publication.richtext import ALLOWED_TAGS, sanitize_html

from .ordinary_bodies import ORDINARY_BODIES

# tests/conftest.py clears the database cache after every test, so even the pure
# sanitiser tests need the database.
pytestmark = pytest.mark.django_db

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "width", "height"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}
# Elements that must never reach a page, not even as markup some other parser
# might find in the output. (Imported bodies bring <img>; its attributes are
# checked instead.)
FORBIDDEN_MARKUP = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|applet|form|input|button|meta|base|"
    r"link|style|svg|math|image|video|audio|source|frame|frameset|"
    r"template|noscript|textarea|title|xmp|plaintext|portal)\b",
    re.IGNORECASE,
)
# Browsers drop these anywhere in a URL (tab, newline) or around it (controls,
# spaces) before reading the scheme.
URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def load_payloads():
    path = Path(__file__).with_name("xss_payloads.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    payloads = [line for line in lines if line.strip() and not line.startswith("#")]
    # Payloads that need characters a one-per-line file cannot hold.
    payloads += [
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="java\nscript:alert(1)">x</a>',
        '<a href="java\rscript:alert(1)">x</a>',
        '<a href="\x01javascript:alert(1)">x</a>',
        '<a href="\x00javascript:alert(1)">x</a>',
        '<a href="java\x00script:alert(1)">x</a>',
        "<scr\x00ipt>alert(1)</scr\x00ipt>",
        "<img\nsrc=x\nonerror=alert(1)>",
        "<img\tsrc=x\tonerror=alert(1)>",
        "<svg\x0conload=alert(1)>",
        '<a\nhref\n=\n"javascript:alert(1)">x</a>',
        "<script>\nalert(1)\n</script>",
        '<p style="x:\nexpression(alert(1))">x</p>',
        '<a href="&#x20;&#x0a;javascript:alert(1)">x</a>',
        '<a href="\u2028javascript:alert(1)">x</a>',
        '<a href="\ufeffjavascript:alert(1)">x</a>',
    ]
    assert len(payloads) == len(set(payloads)), "duplicate payloads"
    return payloads


PAYLOADS = load_payloads()


class MarkupRecorder(HTMLParser):
    """Collects every tag and attribute the stdlib parser finds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.attributes = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append(tag)


def parse(markup):
    recorder = MarkupRecorder()
    recorder.feed(markup)
    recorder.close()
    return recorder


def href_scheme(value):
    """The scheme a browser would see, or None for a relative address."""
    previous = None
    while previous != value:  # unescape until stable: &amp;#106; and friends
        previous, value = value, html.unescape(value)
    value = URL_NOISE.sub("", value).lower()
    match = SCHEME.match(value)
    return match.group(1) if match else None


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 200


@pytest.mark.parametrize(
    "payload", PAYLOADS, ids=[f"xss{n:03d}" for n in range(len(PAYLOADS))]
)
def test_payload_is_neutralised(payload):
    cleaned = sanitize_html(payload)
    found = parse(cleaned)

    assert set(found.tags) <= ALLOWED_TAGS, cleaned
    for tag, name, value in found.attributes:
        assert not name.startswith("on"), cleaned
        assert name != "style", cleaned
        assert name in ALLOWED_ATTRIBUTES.get(tag, set()), cleaned
        if name == "href":
            assert href_scheme(value) in SAFE_SCHEMES | {None}, cleaned
        if name == "src":
            assert href_scheme(value) in IMAGE_SCHEMES | {None}, cleaned
        if name in {"width", "height"}:
            assert value.isdigit(), cleaned
    assert not FORBIDDEN_MARKUP.search(cleaned), cleaned
    assert sanitize_html(cleaned) == cleaned


@pytest.mark.parametrize(
    "body",
    ORDINARY_BODIES,
    ids=[f"body{n:02d}" for n in range(len(ORDINARY_BODIES))],
)
def test_ordinary_body_passes_unchanged(body):
    assert sanitize_html(body) == body


def test_there_are_twenty_ordinary_bodies():
    assert len(ORDINARY_BODIES) == 20


def test_links_get_noopener_once():
    body = '<p><a href="https://example.org/x">x</a></p>'
    expected = '<p><a href="https://example.org/x" rel="noopener">x</a></p>'
    assert sanitize_html(body) == expected
    assert sanitize_html(expected) == expected


def test_a_weaker_rel_is_replaced():
    body = '<p><a href="https://example.org/x" rel="opener nofollow">x</a></p>'
    assert sanitize_html(body) == (
        '<p><a href="https://example.org/x" rel="noopener">x</a></p>'
    )


@pytest.mark.parametrize("empty", [None, "", "<p></p>", "<p><br></p>", "  "])
def test_empty_bodies_become_empty(empty):
    assert sanitize_html(empty) == ""


def test_script_content_is_dropped_not_escaped():
    assert sanitize_html("<p>a</p><script>alert(1)</script><p>b</p>") == (
        "<p>a</p><p>b</p>"
    )


DIRTY = '<p onclick="alert(1)">Hi<script>alert(1)</script></p>'
CLEAN = "<p>Hi</p>"


def test_create_sanitises():
    article = Article.objects.create(title="A", slug="a", body=DIRTY)
    assert article.body == CLEAN
    assert Article.objects.get(pk=article.pk).body == CLEAN


def test_save_after_assigning_sanitises():
    article = Article.objects.create(title="A", slug="a", body="<p>fine</p>")
    article.body = DIRTY
    article.save()
    assert Article.objects.get(pk=article.pk).body == CLEAN


def test_save_with_update_fields_sanitises():
    article = Article.objects.create(title="A", slug="a")
    article.body = DIRTY
    article.save(update_fields=["body"])
    assert Article.objects.get(pk=article.pk).body == CLEAN


def test_bulk_create_sanitises():
    Article.objects.bulk_create(
        [
            Article(title="A", slug="a", body=DIRTY),
            Article(title="B", slug="b", body='<a href="javascript:alert(1)">x</a>'),
        ]
    )
    bodies = dict(Article.objects.values_list("slug", "body"))
    assert bodies == {"a": CLEAN, "b": '<a rel="noopener">x</a>'}


@pytest.mark.parametrize(
    "html",
    [
        "<p>a</p><math><mtext><table><mglyph><style><p>Kept text</p>",
        "<p>a</p><svg><style>x{}</style><p>Kept text</p></svg>",
        "<p>a</p><style><p>Kept text</p>",
    ],
)
def test_text_after_foreign_content_is_kept(html):
    cleaned = sanitize_html(html)
    assert "Kept text" in cleaned
    assert "<style" not in cleaned and "x{}" not in cleaned
    assert sanitize_html(cleaned) == cleaned


FIGURE = (
    '<figure><img src="https://example.org/media/dam.jpg" alt="The dam" '
    'width="640" height="427"><figcaption>The dam in 1998.</figcaption></figure>'
)


@pytest.mark.parametrize(
    "body",
    [
        FIGURE,
        '<p>A map: <img src="/media/imports/map.png" alt=""></p>',
        "<figure><figure>"
        '<img src="https://example.org/a.jpg" alt="A"><figcaption>A</figcaption>'
        "</figure></figure>",
    ],
)
def test_imported_figures_and_images_pass_unchanged(body):
    assert sanitize_html(body) == body


@pytest.mark.parametrize(
    "src",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "mailto:desk@example.org",
        "ftp://example.org/a.jpg",
    ],
)
def test_images_come_from_the_web_only(src):
    assert sanitize_html(f'<img src="{src}" alt="x">') == '<img alt="x">'


def test_images_keep_only_alt_source_and_numeric_sizes():
    body = (
        '<img src="https://example.org/a.jpg" alt="A" width="100%" height="auto" '
        'srcset="a-300.jpg 300w" sizes="100vw" class="wp-image-5" style="x" '
        'onerror="alert(1)" loading="lazy">'
    )
    assert sanitize_html(body) == '<img src="https://example.org/a.jpg" alt="A">'
