"""WordPress post content to the HTML Imprint stores.

WordPress stores what the author typed and builds the page when it is shown: it
turns blank lines into paragraphs (``wpautop``) in classic-editor posts, renders
blocks and expands shortcodes. ``convert()`` does the same once, at import, so
the body Imprint keeps is plain HTML that its sanitiser (``publication.richtext``)
leaves as it is: paragraphs, headings, lists, quotes, links, and figures with
images and captions. What cannot be carried over is left out and said so, in
``Converted.problems``, one sentence each, for the import report.

Shortcodes. WordPress expands only the shortcodes a plugin has registered, so
"[sic]" or "[1]" in prose stays text. An export does not say which plugins were
active, so here a bracketed name is a shortcode when

- it is one of the common names below (WordPress's own and popular plugins'), or
- it has attributes (``[foo a="b"]``, ``[foo a=b]``), is self-closing
  (``[foo /]``), or has a closing tag somewhere in the post (``[/foo]``), or
- it is escaped the WordPress way, ``[[foo]]``, which becomes the text ``[foo]``.

A name starts with a letter and has letters, digits, "_" and "-", so "[1]",
"[sic]" and "[see note 3]" stay as they are.
"""

import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from .wxr import WPAttachment

# -- wpautop ------------------------------------------------------------------

# A port of wpautop() and its helpers from wp-includes/formatting.php (WordPress
# 6.5), regular expression by regular expression. re.ASCII because PCRE without
# the /u flag knows only ASCII whitespace: a no-break space is text.
_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol"
    r"|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset"
    r"|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption"
    r"|details|menu|summary)"
)
# get_html_split_regex(): a comment, a CDATA section, or any other tag.
_HTML_SPLIT = re.compile(
    r"(<(?:"
    r"(?=!--)!(?:-(?!->)[^\-]*+)*+(?:-->)?"
    r"|(?=!\[CDATA\[)!\[CDATA\[[^\]]*+(?:\](?!\]>)[^\]]*+)*+(?:\]\]>)?"
    r"|(?!!--|!\[CDATA\[)[^>]*>?"
    r"))"
)


def _sub(pattern, replacement, text, flags=0):
    return re.sub(pattern, replacement, text, flags=flags | re.ASCII)


def _replace_in_html_tags(text, pairs):
    """wp_replace_in_html_tags(): replace only inside tags and comments."""
    parts = _HTML_SPLIT.split(text)
    for i in range(1, len(parts), 2):
        for needle, replacement in pairs.items():
            if needle in parts[i]:
                parts[i] = parts[i].replace(needle, replacement)
    return "".join(parts)


def wpautop(text: str, br: bool = True) -> str:
    """Blank lines to paragraphs, single line breaks to <br />, as WordPress does
    for classic-editor posts; <pre> is left alone."""
    if text.strip(" \t\n\r\0\x0b") == "":
        return ""
    text += "\n"

    # <pre> is not touched: set aside behind placeholders, put back at the end.
    pre_tags = {}
    if "<pre" in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for part in parts:
            start = part.find("<pre")
            if start == -1:  # Malformed HTML.
                text += part
                continue
            name = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last

    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = _sub(r"(<" + _ALLBLOCKS + r"[\s/>])", "\n\n\\1", text)
    text = _sub(r"(</" + _ALLBLOCKS + r">)", "\\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", "\\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _replace_in_html_tags(text, {"\n": " <!-- wpnl --> "})

    if "<option" in text:
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", "\\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", "\\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", "\\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", "\\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", "\\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", "\\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)

    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text, flags=re.ASCII) if part]
    text = "".join(f"<p>{part.strip(chr(10))}</p>\n" for part in paragraphs)

    text = _sub(r"<p>\s*</p>", "", text)
    text = _sub(r"<p>([^<]+)</(div|address|form)>", "<p>\\1</p></\\2>", text)
    text = _sub(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", "\\1", text)
    text = _sub(r"<p>(<li.+?)</p>", "\\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", "<blockquote\\1><p>", text, re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", "\\1", text)
    text = _sub(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", "\\1", text)

    if br:
        text = _sub(
            r"<(script|style|svg).*?</\1>",
            lambda match: match.group(0).replace("\n", "<WPPreserveNewline />"),
            text,
            re.S,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")

    text = _sub(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", "\\1", text)
    text = _sub(
        r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", "\\1", text
    )
    text = _sub(r"\n</p>$", "</p>", text)

    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text


# -- shortcodes -----------------------------------------------------------------

# WordPress's own, Jetpack's, and the page builders and forms found most often in
# exports. Page builders use many names under one prefix.
KNOWN_SHORTCODES = {
    "audio", "caption", "embed", "gallery", "playlist", "video", "wp_caption",
    "archives", "contact-field", "contact-form", "crowdsignal", "dailymotion",
    "facebook", "flickr", "gist", "googlemaps", "instagram", "polldaddy",
    "recipe", "slideshare", "slideshow", "soundcloud", "spotify", "ted",
    "tweet", "twitter", "vimeo", "wpvideo", "youtube",
    "contact-form-7", "caldera_form", "formidable", "gravityform",
    "gravityforms", "mc4wp_form", "ninja_form", "wpforms",
    "footnote", "ref", "efn_note", "tablepress", "table",
}  # fmt: skip
KNOWN_PREFIXES = ("vc_", "et_pb_", "fusion_", "su_", "av_", "elementor-")

_NAME = r"[A-Za-z][A-Za-z0-9_-]*"
_NAME_USES = [
    re.compile(r"\[/(" + _NAME + r")\]"),  # [/foo]
    re.compile(r"\[(" + _NAME + r")\s+[\w-]+\s*="),  # [foo a="b"]
    re.compile(r"\[(" + _NAME + r")\s*/\]"),  # [foo /]
    re.compile(r"\[\[(" + _NAME + r")(?![\w-])[^\[\]]*\]\]"),  # [[foo]]
]
_ANY_NAME = re.compile(r"\[/?(" + _NAME + r")(?![\w-])")
# shortcode_parse_atts()
_ATTRIBUTES = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)"""
    r"""|(\S+)(?:\s|$)"""
)
_SPACES = r"(?:[\r\n\t ]|\u00a0|&nbsp;)"


def shortcode_names(text):
    """The names in ``text`` that are treated as shortcodes (see the module's
    docstring)."""
    names = {name for pattern in _NAME_USES for name in pattern.findall(text)}
    for name in _ANY_NAME.findall(text):
        if name in KNOWN_SHORTCODES or name.startswith(KNOWN_PREFIXES):
            names.add(name)
    return names


def _shortcode_regex(names):
    """get_shortcode_regex() for these names. Groups: 1 "[" of an escape, 2 the
    name, 3 attributes, 4 "/" of a self-closing one, 5 the content, 6 "]"."""
    tags = "|".join(re.escape(name) for name in sorted(names))
    return re.compile(
        r"\[(\[?)(" + tags + r")(?![\w-])"
        r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"
        r"(?:(/)\]|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)"
        r"(\]?)",
        re.ASCII,
    )


def parse_attributes(text):
    """shortcode_parse_atts(): named attributes by lower-case name, positional
    ones by their index."""
    attributes = {}
    text = re.sub("[\u00a0\u200b]", " ", text)
    position = 0
    for match in _ATTRIBUTES.finditer(text):
        groups = match.groups()
        for name, value in ((0, 1), (2, 3), (4, 5)):
            if groups[name]:
                attributes[groups[name].lower()] = groups[value]
                break
        else:
            value = next(group for group in groups[6:] if group is not None)
            attributes[position] = value
            position += 1
    return attributes


def _shortcode_unautop(text, names):
    """shortcode_unautop(): a shortcode alone in a paragraph is not wrapped."""
    if not names:
        return text
    tags = "|".join(re.escape(name) for name in sorted(names))
    pattern = (
        r"<p>" + _SPACES + r"*+"
        r"(\[(" + tags + r")(?![\w-])[^\]/]*(?:/(?!\])[^\]/]*)*?"
        r"(?:/\]|\](?:[^\[]*+(?:\[(?!/\2\])[^\[]*+)*+\[/\2\])?))" + _SPACES + r"*+</p>"
    )
    return re.sub(pattern, r"\1", text, flags=re.ASCII)


# -- blocks ---------------------------------------------------------------------

# WP_Block_Parser's delimiter: <!-- wp:name {"json":1} -->, <!-- /wp:name -->,
# and void blocks <!-- wp:name /-->.
_BLOCK_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?"
    r"(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?"
    r"(?P<void>/)?-->",
    re.S,
)
_MORE_ON_A_LINE = re.compile(
    r"^[ \t]*<!--(?:more|nextpage|noteaser)\b[^>]*-->[ \t]*$", re.M
)
_FIGCAPTION = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", re.S | re.I)


def _block_name(match):
    namespace = (match.group("namespace") or "core/")[:-1]
    return f"{namespace}/{match.group('name')}"


def _block_attributes(match):
    try:
        attributes = json.loads(match.group("attrs") or "{}")
    except ValueError:
        return {}
    return attributes if isinstance(attributes, dict) else {}


# -- HTML -----------------------------------------------------------------------

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr",
}  # fmt: skip
# Elements whose start closes an open paragraph (the HTML parsing algorithm).
_CLOSES_P = {
    "address", "article", "aside", "blockquote", "details", "div", "dl",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre",
    "section", "table", "ul",
}  # fmt: skip
_INLINE = {"a", "b", "br", "em", "i", "img", "strong"}
_BLOCK = {"blockquote", "figure", "h2", "h3", "h4", "ol", "p", "ul"}
_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
_KEPT = {"figcaption", "li"} | _INLINE | _BLOCK
_LEFT_OUT = {
    "script": "A script was left out.",
    "noscript": None,
    "style": None,
    "template": None,
    "form": "A form was left out.",
    "input": None,
    "button": None,
    "select": None,
    "textarea": None,
    "object": "An embedded object (such as Flash) was left out.",
    "embed": "An embedded object (such as Flash) was left out.",
    "applet": "An embedded object (such as Flash) was left out.",
    "svg": "An SVG drawing was left out.",
    "canvas": None,
    "head": None,
    "title": None,
}
_IMAGE_FILE = re.compile(r"\.(?:avif|bmp|gif|jpe?g|png|tiff?|webp)\Z", re.I)
_MEDIA_FILE_ATTRIBUTES = (
    "src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "m4a", "wav",
)  # fmt: skip


class _Element:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag, attrs=None, children=None):
        self.tag = tag
        self.attrs = attrs or {}
        self.children = children if children is not None else []


class _TreeBuilder(HTMLParser):
    """Enough of HTML's tree building for WordPress content: void elements,
    paragraphs closed by blocks, stray end tags ignored. Comments go."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        if tag in _CLOSES_P and any(open.tag == "p" for open in self.stack):
            self._close("p")
        if tag == "li" and self._open_list_item():
            self._close("li")
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._close(tag)

    def handle_endtag(self, tag):
        if any(open.tag == tag for open in self.stack[1:]):
            self._close(tag)

    def handle_data(self, data):
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def _open_list_item(self):
        for open in reversed(self.stack):
            if open.tag == "li":
                return True
            if open.tag in {"ul", "ol"}:
                return False
        return False

    def _close(self, tag):
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                return


def _parse_html(text):
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root.children


def _escape(text, *, quote=False):
    """As the sanitiser (html5ever) writes text and attribute values, so that
    sanitising what convert() returns changes nothing."""
    text = html.escape(text, quote=False).replace("\xa0", "&nbsp;")
    return text.replace('"', "&quot;") if quote else text


def _serialise(nodes):
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_escape(node))
            continue
        attrs = "".join(
            f' {name}="{_escape(value, quote=True)}"'
            for name, value in node.attrs.items()
        )
        out.append(f"<{node.tag}{attrs}>")
        if node.tag not in _VOID:
            out.append(_serialise(node.children))
            out.append(f"</{node.tag}>")
    return "".join(out)


def _is_blank(nodes):
    """True when nodes show nothing: only whitespace, <br> and empty elements."""
    for node in nodes:
        if isinstance(node, str):
            if node.strip():
                return False
        elif node.tag == "img" or (node.tag != "br" and not _is_blank(node.children)):
            return False
    return True


def _contains(nodes, tag):
    return any(
        not isinstance(node, str) and (node.tag == tag or _contains(node.children, tag))
        for node in nodes
    )


def _text(nodes):
    return "".join(
        node if isinstance(node, str) else _text(node.children) for node in nodes
    )


def _is_inline(node):
    return isinstance(node, str) or node.tag in _INLINE


def _trimmed(nodes):
    """Inline nodes without whitespace or <br> at either end."""
    nodes = list(nodes)
    for end in (0, -1):
        while nodes:
            node = nodes[end]
            if isinstance(node, str):
                node = node.lstrip() if end == 0 else node.rstrip()
                if node:
                    nodes[end] = node
                    break
            elif node.tag != "br":
                break
            nodes.pop(end)
    return nodes


def _paragraphs(nodes):
    """Block content: runs of inline nodes become paragraphs, blank runs go."""
    blocks = []
    run = []
    for node in [*nodes, None]:
        if node is not None and _is_inline(node):
            run.append(node)
            continue
        if run and not _is_blank(run):
            blocks.append(_Element("p", children=_trimmed(run)))
        run = []
        if node is not None:
            blocks.append(node)
    return blocks


def _link(url):
    return _Element("a", {"href": url}, [url])


# -- the conversion -------------------------------------------------------------


@dataclass
class Converted:
    html: str
    problems: list[str] = field(default_factory=list)  # sentences, each once


def convert(
    content: str,
    *,
    attachments: Mapping[int, WPAttachment] = {},  # noqa: B006 (never mutated)
    resolve_image: Callable[[str], str | None] | None = None,
    post_id: int | None = None,
    footnotes: str = "",
) -> Converted:
    """WordPress post content as Imprint body HTML.

    ``attachments`` (from ``wxr.scan``) fill galleries; ``resolve_image`` gets
    every image address and returns the one to use, or None when the image
    could not be had (it is then left out). ``post_id`` lets a [gallery] without
    ids show the images uploaded to that post, as WordPress does. ``footnotes``
    is the post's "footnotes" meta, where the block editor keeps the text of
    its footnotes."""
    converter = _Converter(attachments, resolve_image, post_id, footnotes)
    return Converted(converter.convert(content or ""), converter.problems)


class _Converter:
    def __init__(self, attachments, resolve_image, post_id, footnotes):
        self.attachments = attachments
        self.resolve_image = resolve_image
        self.post_id = post_id
        self.footnotes = _footnotes(footnotes)
        self.problems = []
        self.resolved = {}
        self.names = set()
        self.shortcode = None

    def report(self, sentence):
        if sentence not in self.problems:
            self.problems.append(sentence)

    def convert(self, content):
        text = content.replace("\r\n", "\n").replace("\r", "\n")
        # Where the teaser ends, or a new page starts: a paragraph break here.
        text = _MORE_ON_A_LINE.sub("", text)
        self.names = shortcode_names(text)
        self.shortcode = _shortcode_regex(self.names) if self.names else None
        # The order of WordPress's the_content filters: embeds (priority 8),
        # blocks (9), wpautop (10) only when there are no blocks, shortcodes (11).
        text = self.autoembed(self.embed_shortcodes(text))
        if "<!-- wp:" in text:
            text = self.blocks(text)
        else:
            text = wpautop(text)
        text = self.do_shortcodes(_shortcode_unautop(text, self.names))
        nodes = _paragraphs(self.clean(_parse_html(text)))
        return _serialise(nodes)

    # -- embeds, blocks and shortcodes, on the text --

    def embed_shortcodes(self, text):
        """[embed]URL[/embed] becomes a link (WP_Embed::run_shortcode, which
        links what it cannot embed)."""
        if "embed" not in self.names:
            return text

        def embed(match):
            if match.group(1) == "[" and match.group(6) == "]":
                return match.group(0)  # escaped: the shortcode pass unescapes it
            return self.embed(match.group(5) or "")

        return _shortcode_regex({"embed"}).sub(embed, text)

    def embed(self, url):
        url = html.unescape(url.strip())
        if not re.match(r"https?://", url):
            return url
        return _serialise([_link(url)])

    def autoembed(self, text):
        """WP_Embed::autoembed: a URL alone on its line, or alone in a
        paragraph, is an embed; here a link."""
        text = _replace_in_html_tags(text, {"\n": "<!-- wp-line-break -->"})
        if re.search(r"(^|\s|>)https?://", text, re.I):

            def link(match):
                url = html.unescape(match.group(2))
                return match.group(1) + _serialise([_link(url)]) + match.group(3)

            text = re.sub(
                r"^(\s*)(https?://[^\s<>\"]+)(\s*)$", link, text, flags=re.I | re.M
            )
            text = re.sub(
                r"(<p(?: [^>]*)?>\s*)(https?://[^\s<>\"]+)(\s*</p>)",
                link,
                text,
                flags=re.I,
            )
        return text.replace("<!-- wp-line-break -->", "\n")

    def blocks(self, text):
        """Block delimiters go, the HTML between them stays. Void blocks have no
        HTML of their own (WordPress builds them when the page is shown): each is
        reported. Embeds become links; a shortcode block gets wpautop, as
        WordPress renders it."""
        pieces = []
        opened = []  # (name, attributes, index of the block's first piece)
        last = 0
        for match in _BLOCK_DELIMITER.finditer(text):
            pieces.append(text[last : match.start()])
            last = match.end()
            name = _block_name(match)
            if match.group("void") and name == "core/footnotes" and self.footnotes:
                pieces.append(self.footnote_list())
            elif match.group("void"):
                self.report(_left_out_block(name))
            elif not match.group("closer"):
                opened.append((name, _block_attributes(match), len(pieces)))
            elif opened and opened[-1][0] == name:
                name, attributes, start = opened.pop()
                inner = "".join(pieces[start:])
                del pieces[start:]
                pieces.append(self.block(name, attributes, inner))
        pieces.append(text[last:])
        return "".join(pieces)

    def block(self, name, attributes, inner):
        if name == "core/shortcode":
            return wpautop(inner)
        if name == "core/embed" or name.startswith("core-embed/"):
            url = attributes.get("url") or ""
            if not isinstance(url, str) or not re.match(r"https?://", url):
                return inner
            captions = "".join(f"<p>{c}</p>" for c in _FIGCAPTION.findall(inner))
            return f"<p>{_serialise([_link(url)])}</p>{captions}"
        return inner

    def footnote_list(self):
        """The footnotes block, as WordPress renders it: a numbered list."""
        items = "".join(f"<li>{note}</li>" for note in self.footnotes)
        return f"<ol>{items}</ol>"

    def do_shortcodes(self, text):
        if self.shortcode is None or "[" not in text:
            return text
        return self.shortcode.sub(self.expand, text)

    def expand(self, match):
        if match.group(1) == "[" and match.group(6) == "]":
            return match.group(0)[1:-1]  # [[foo]] is WordPress's escape
        name = match.group(2)
        attributes = parse_attributes(match.group(3) or "")
        content = match.group(5) or ""
        if name in {"caption", "wp_caption"}:
            return self.caption(attributes, content)
        if name == "gallery":
            return self.gallery(attributes)
        if name == "embed":
            return self.embed(content)
        if name in {"video", "audio"}:
            return self.media(name, attributes, content)
        if name in {"youtube", "vimeo"}:
            return self.video_site(name, attributes)
        self.report(f"Unknown shortcode [{name}] removed.")
        return self.do_shortcodes(content)

    def caption(self, attributes, content):
        """img_caption_shortcode(): the caption is the attribute, or the text
        after the image (and the link around it)."""
        caption = attributes.get("caption", "")
        if not caption:
            match = re.match(
                r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", content, re.S | re.I
            )
            if match:
                content, caption = match.group(1), match.group(2).strip()
        content = self.do_shortcodes(content)
        if not caption:
            return content
        return f"<figure>{content}<figcaption>{caption}</figcaption></figure>"

    def gallery(self, attributes):
        ids = attributes.get("ids") or attributes.get("include") or ""
        if ids:
            wanted = [int(i) for i in re.findall(r"\d+", ids)]
        elif self.post_id is not None:
            wanted = sorted(
                a.wp_id
                for a in self.attachments.values()
                if a.parent_id == self.post_id and _IMAGE_FILE.search(a.url)
            )
        else:
            wanted = []
        figures = []
        for wp_id in wanted:
            attachment = self.attachments.get(wp_id)
            if attachment is None:
                self.report(f"Gallery image {wp_id} is not in the export; left out.")
                continue
            image = _Element("img", {"src": attachment.url, "alt": attachment.alt})
            figure = _Element("figure", children=[image])
            if attachment.caption:
                figure.children.append(
                    _Element("figcaption", children=[attachment.caption])
                )
            figures.append(figure)
        if not figures:
            if not wanted:
                self.report("A gallery that lists no images was left out.")
            return ""
        return _serialise([_Element("figure", children=figures)])

    def media(self, name, attributes, content):
        url = next(
            (attributes[key] for key in _MEDIA_FILE_ATTRIBUTES if attributes.get(key)),
            "",
        )
        source = re.search(r"""src=["']([^"']+)""", content)
        if not url and source:
            url = source.group(1)
        if not url:
            self.report(f"A [{name}] with no file was left out.")
            return ""
        return _serialise([_link(html.unescape(url))])

    def video_site(self, name, attributes):
        """Jetpack's [youtube URL], [youtube=URL] and [vimeo ID]."""
        value = attributes.get(0) or attributes.get("url") or attributes.get("id")
        value = (value or "").removeprefix("=").strip()
        if not value:
            self.report(f"A [{name}] with no address was left out.")
            return ""
        if not re.match(r"https?://", value):
            value = (
                f"https://vimeo.com/{value}"
                if name == "vimeo"
                else f"https://www.youtube.com/watch?v={value}"
            )
        return _serialise([_link(html.unescape(value))])

    # -- the HTML tree --

    def clean(self, nodes):
        cleaned = []
        for node in nodes:
            cleaned.extend(self.clean_node(node))
        return cleaned

    def clean_node(self, node):
        if isinstance(node, str):
            return [node]
        tag = node.tag
        if tag in _LEFT_OUT:
            if _LEFT_OUT[tag]:
                self.report(_LEFT_OUT[tag])
            return []
        if tag == "img":
            return self.image(node)
        if tag == "iframe":
            return self.frame(node)
        if tag in {"video", "audio"}:
            return self.media_element(node)
        if tag == "table":
            return self.table(node)
        if tag == "pre":
            return [_Element("p", children=self.preformatted(node.children))]
        if tag == "sup" and "data-fn" in node.attrs:
            # A block-editor footnote mark; ids do not survive the sanitiser, so
            # the number stays as text, matching the numbered list.
            return [f"[{_text(node.children).strip()}]"]
        children = self.clean(node.children)
        if tag == "figure":
            return self.figure(children)
        if tag == "a":
            return self.anchor(node, children)
        tag = _HEADINGS.get(tag, tag)
        if tag not in _KEPT:
            return children  # div, span, section...: their content stays
        if tag in {"p", "figcaption"} or tag in _HEADINGS.values():
            return self.inline_container(tag, children)
        if tag == "blockquote":
            children = _paragraphs(children)
        elif tag in {"ul", "ol"}:
            children = [child for child in children if not _is_blank([child])]
        elif tag == "li":
            children = _trimmed(children)
        if tag != "br" and _is_blank(children):
            return []
        return [_Element(tag, children=children)]

    def inline_container(self, tag, children):
        """A paragraph, heading or caption holds inline content; a block that
        ended up inside one (an unwrapped <div>'s) is lifted out."""
        blocks = []
        run = []
        for child in [*children, None]:
            if child is not None and _is_inline(child):
                run.append(child)
                continue
            if run and not _is_blank(run):
                blocks.append(_Element(tag, children=_trimmed(run)))
            run = []
            if child is not None:
                blocks.append(child)
        return blocks

    def image(self, node):
        src = node.attrs.get("src", "").strip()
        if not src:
            self.report("An image with no address was left out.")
            return []
        if self.resolve_image is not None:
            if src not in self.resolved:
                self.resolved[src] = self.resolve_image(src)
            new = self.resolved[src]
            if new is None:
                self.report(f"Image {src} not found; left out.")
                return []
        else:
            new = src
        if urlsplit(new).scheme.lower() not in {"", "http", "https"}:
            self.report(f"Image {src[:80]} is not a web address; left out.")
            return []
        attrs = {"src": new, "alt": node.attrs.get("alt", "").strip()}
        for name in ("width", "height"):
            value = node.attrs.get(name, "").strip()
            if value.isdigit():
                attrs[name] = value
        return [_Element("img", attrs)]

    def anchor(self, node, children):
        href = node.attrs.get("href", "").strip()
        if _contains(children, "img") and (
            _IMAGE_FILE.search(urlsplit(href).path) or "attachment_id=" in href
        ):
            # A link to the image file or its attachment page, on the old site.
            return children
        if _is_blank(children):
            return []
        attrs = {"href": href} if href else {}
        if node.attrs.get("title"):
            attrs["title"] = node.attrs["title"]
        return [_Element("a", attrs, [c for c in children if _is_inline(c)])]

    def figure(self, children):
        """A figure keeps its images and caption. When its image is gone, its
        caption stays, as a paragraph (and anything else in it, unwrapped)."""
        children = [
            child
            for child in children
            if not (isinstance(child, str) and not child.strip())
        ]
        if _contains(children, "img"):
            return [_Element("figure", children=children)]
        kept = []
        for child in children:
            if not isinstance(child, str) and child.tag == "figcaption":
                kept.append(_Element("p", children=child.children))
            else:
                kept.append(child)
        return kept

    def frame(self, node):
        src = node.attrs.get("src", "").strip()
        if not re.match(r"(https?:)?//", src):
            self.report("An embedded frame was left out.")
            return []
        if src.startswith("//"):
            src = "https:" + src
        self.report(f"An embedded frame from {urlsplit(src).hostname} became a link.")
        return [_link(src)]

    def media_element(self, node):
        src = node.attrs.get("src", "").strip()
        for child in node.children:
            if not src and not isinstance(child, str) and child.tag == "source":
                src = child.attrs.get("src", "").strip()
        if not src:
            self.report(f"A {node.tag} with no file was left out.")
            return []
        return [_link(src)]

    def table(self, node):
        """Imprint's editor has no tables: each row becomes a paragraph, its
        cells separated by " | "."""
        rows = []
        for row in _descendants(node, "tr"):
            cells = []
            for cell in row.children:
                if isinstance(cell, str) or cell.tag not in {"td", "th"}:
                    continue
                inline = _trimmed(_inline_only(self.clean(cell.children)))
                if not _is_blank(inline):
                    cells.append(inline)
            if cells:
                paragraph = _Element("p")
                for i, cell in enumerate(cells):
                    paragraph.children.extend([" | "] * bool(i) + cell)
                rows.append(paragraph)
        if rows:
            self.report("A table was turned into paragraphs, one a row.")
        return rows

    def preformatted(self, nodes):
        children = []
        for node in _inline_only(self.clean(nodes)):
            if isinstance(node, str):
                lines = node.split("\n")
                for i, line in enumerate(lines):
                    if i:
                        children.append(_Element("br"))
                    if line:
                        children.append(line)
            else:
                children.append(node)
        return _trimmed(children)


def _footnotes(meta):
    """The text of each footnote, in order, from the "footnotes" post meta:
    [{"id": "…", "content": "…"}, …]."""
    try:
        notes = json.loads(meta or "[]")
    except ValueError:
        return []
    if not isinstance(notes, list):
        return []
    return [
        note["content"]
        for note in notes
        if isinstance(note, dict) and isinstance(note.get("content"), str)
    ]


def _descendants(node, tag):
    for child in node.children:
        if isinstance(child, str):
            continue
        if child.tag == tag:
            yield child
        elif child.tag != "table":  # a nested table's rows are its own
            yield from _descendants(child, tag)


def _inline_only(nodes):
    """Blocks unwrapped into inline content, a space between them."""
    inline = []
    for node in nodes:
        if _is_inline(node):
            inline.append(node)
        else:
            if inline:
                inline.append(" ")
            inline.extend(_inline_only(node.children))
    return inline


def _left_out_block(name):
    shown = name.removeprefix("core/")
    if name == "core/footnotes":
        return "The footnotes were left out."
    if name == "core/block":
        return (
            "A reusable block was left out: its content is kept apart from the "
            "post (a wp_block item in the export)."
        )
    return (
        f"The “{shown}” block was left out: WordPress fills it in when the page "
        "is shown, so the export has nothing to import."
    )
