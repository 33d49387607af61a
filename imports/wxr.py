"""Reading WordPress exports: the WXR file (WordPress eXtended RSS) that
Tools › Export writes, on WordPress.com or a site of one's own.

``Export(path)`` walks the file once and yields what it finds in file order: the
site, its authors, its categories, tags and other terms, then each item, as a
``WPAttachment`` (media) or a ``WPPost`` (posts, pages, menu items, revisions and
any other type: the loader decides what to keep). ``scan(path)`` is a lighter
first pass for the loader: who, which terms, which media, how many posts.

What the reader promises:

- Bounded memory. Each item is turned into a dataclass and then released, so a
  file of any size holds about one item in memory at a time.
- Safety. The XML goes through defusedxml: a file that declares entities (the
  "billion laughs" bomb, entities that read local files) or points to an external
  DTD is refused before anything is expanded or fetched.
- Broken files. A file cut short, or broken half-way, raises ``ExportError``
  naming the line and column; every item before that point has been yielded.
- Stray bytes. WordPress often exports a few Latin-1 bytes in a file it declares
  UTF-8; they are replaced with U+FFFD and counted in ``Export.warnings`` rather
  than refusing the whole file. Control characters that XML forbids are dropped
  the same way.
"""

import codecs
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from defusedxml import DefusedXmlException, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse


class ExportError(Exception):
    """The file cannot be read as a WordPress export; str(e) is a sentence for
    people. ``line`` and ``column`` (1-based) say where, when the XML broke;
    ``partial`` is what scan() had read by then."""

    partial = None

    def __init__(self, message, *, line=None, column=None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class WPSite:
    title: str
    link: str
    description: str
    language: str
    base_site_url: str
    base_blog_url: str
    wxr_version: str


@dataclass(frozen=True)
class WPAuthor:
    wp_id: int | None
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class WPTerm:
    """A channel-level <wp:category>, <wp:tag> or <wp:term>, or an item's
    <category domain nicename> reference (those have no parent or description)."""

    taxonomy: str  # "category", "post_tag", or another ("author": Co-Authors Plus)
    slug: str  # percent-decoded, as WordPress shows it
    name: str
    parent: str  # the parent's slug, "" if none
    description: str = ""
    wp_id: int | None = None


@dataclass(frozen=True)
class WPAttachment:
    wp_id: int
    url: str  # wp:attachment_url (the guid when that is missing)
    title: str
    alt: str  # meta _wp_attachment_image_alt
    caption: str  # excerpt:encoded
    file: str  # meta _wp_attached_file, relative to the uploads folder, or ""
    parent_id: int | None  # the post it was uploaded to
    description: str = ""  # content:encoded
    # meta _media_credit (the Media Credit plugin), else the credit or copyright
    # that WordPress read from the image's IPTC data.
    credit: str = ""


@dataclass(frozen=True)
class WPPost:
    wp_id: int
    post_type: str  # post, page, nav_menu_item, revision, a custom type...
    title: str
    slug: str  # wp:post_name, percent-decoded; "" for many drafts
    link: str
    guid: str
    content: str
    excerpt: str
    creator: str  # dc:creator, a login
    published_local: datetime | None  # wp:post_date, naive; None when zero
    published_gmt: datetime | None  # wp:post_date_gmt, aware UTC; None when zero
    modified_gmt: datetime | None
    status: str  # publish, future, draft, pending, private, trash, inherit...
    terms: tuple[WPTerm, ...]
    meta: dict[str, str]  # wp:postmeta key -> value (the last one for a key)
    thumbnail_id: int | None  # meta _thumbnail_id
    # Logins in order: dc:creator, then Co-Authors Plus's author terms.
    authors: tuple[str, ...] = ()
    parent_id: int | None = None  # wp:post_parent
    menu_order: int = 0
    is_sticky: bool = False
    password: str = ""  # wp:post_password: the post was not public
    modified_local: datetime | None = None


Item = WPSite | WPAuthor | WPTerm | WPAttachment | WPPost

# WordPress never writes a version other than these, and the namespace carries
# the version: http://wordpress.org/export/1.2/ and .../1.2/excerpt/.
KNOWN_VERSIONS = {"1.0", "1.1", "1.2"}
_WP_NAMESPACE = re.compile(r"https?://wordpress\.org/export/[^/]+/(excerpt/)?\Z")
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_SITE_FIELDS = {
    "title": "title",
    "link": "link",
    "description": "description",
    "language": "language",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
    "wp:wxr_version": "wxr_version",
}
_TERM_FIELDS = {
    # element: (taxonomy or None to read it, slug, name, parent, description)
    "wp:category": (
        "category",
        "wp:category_nicename",
        "wp:cat_name",
        "wp:category_parent",
        "wp:category_description",
    ),
    "wp:tag": ("post_tag", "wp:tag_slug", "wp:tag_name", None, "wp:tag_description"),
    "wp:term": (
        None,
        "wp:term_slug",
        "wp:term_name",
        "wp:term_parent",
        "wp:term_description",
    ),
}
_ZERO_DATE = "0000-00-00 00:00:00"
CO_AUTHOR_PREFIX = "cap-"


@functools.lru_cache(maxsize=256)
def _name(tag):
    """ "{http://wordpress.org/export/1.2/}post_id" -> "wp:post_id", whatever the
    version in the namespace."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    wordpress = _WP_NAMESPACE.match(uri)
    if wordpress:
        return f"{'excerpt' if wordpress.group(1) else 'wp'}:{local}"
    prefix = _NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else local


def _int(text):
    try:
        return int(text.strip())
    except (AttributeError, ValueError):
        return None


def _date(text, *, utc=False):
    text = (text or "").strip()
    if not text or text == _ZERO_DATE:
        return None
    try:
        value = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if utc else value


def _slug(text):
    return unquote((text or "").strip(), errors="replace")


_PHP_STRING = 's:{length}:"{key}";s:(\\d+):"'


def _php_string(serialized, key):
    """A string value from PHP's serialize() output (as in
    _wp_attachment_metadata), found by key without unserialising the rest.
    PHP counts bytes, not characters."""
    pattern = _PHP_STRING.format(length=len(key.encode()), key=re.escape(key))
    match = re.search(pattern, serialized)
    if not match:
        return ""
    start = len(serialized[: match.end()].encode())
    return serialized.encode()[start : start + int(match.group(1))].decode(
        errors="replace"
    )


def _credit(meta):
    if meta.get("_media_credit", "").strip():
        return meta["_media_credit"].strip()
    metadata = meta.get("_wp_attachment_metadata", "")
    for key in ("credit", "copyright"):
        value = _php_string(metadata, key).strip()
        if value:
            return value
    return ""


# -- decoding ----------------------------------------------------------------

_DECLARED_ENCODING = re.compile(
    rb"\A\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']"
)
# XML 1.0 allows no other C0 control characters, even as &#1;.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# surrogateescape turns each byte that does not decode into one of these.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _codec(first_bytes):
    """The codec to read the file with, and the name to show people."""
    if first_bytes.startswith(b"PK\x03\x04"):
        raise ExportError(
            "This is a ZIP archive, not the export itself: unzip it and import the "
            ".xml file inside (WordPress.com sends its exports zipped)."
        )
    if first_bytes.startswith(b"\x1f\x8b"):
        raise ExportError(
            "This file is compressed (gzip): decompress it and import the .xml file."
        )
    if first_bytes.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8"
    if first_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    match = _DECLARED_ENCODING.match(first_bytes)
    declared = match.group(1).decode() if match else "UTF-8"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise ExportError(
            f"The file says its text is in the “{declared}” encoding, which "
            "Imprint cannot read. Export it again from a site set to UTF-8."
        ) from None
    if codec in {"latin-1", "iso8859-1", "ascii"}:
        # As browsers do (WHATWG Encoding): pages "in Latin-1" are Windows-1252,
        # where the bytes 0x80-0x9F are curly quotes and dashes.
        codec = "cp1252"
    return codec, declared


class _Reader:
    """The file as UTF-8 for expat, repaired on the way: bytes that do not decode
    become U+FFFD, characters XML forbids are dropped; both are counted."""

    def __init__(self, raw):
        self.raw = raw
        self.bytes_read = 0
        self.at_end = False
        self.replaced = 0
        self.removed = 0
        self.encoding = "UTF-8"
        self._decoder = None

    def read(self, size=-1):
        size = size if size and size > 0 else 64 * 1024
        while not self.at_end:
            chunk = self._read_raw(size)
            if self._decoder is None:
                # The XML declaration is in the first bytes, however few the
                # file object gives at a time.
                while 0 < len(chunk) < 1024:
                    more = self._read_raw(size)
                    if not more:
                        break
                    chunk += more
                codec, self.encoding = _codec(bytes(chunk[:1024]))
                self._decoder = codecs.getincrementaldecoder(codec)("surrogateescape")
            self.at_end = not chunk
            text = self._decoder.decode(chunk, final=self.at_end)
            if text:
                return self._repair(text).encode("utf-8")
        return b""

    def _read_raw(self, size):
        chunk = self.raw.read(size)
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("Export needs a path or a file opened in binary mode.")
        self.bytes_read += len(chunk)
        return chunk

    def _repair(self, text):
        text, replaced = _UNDECODABLE.subn("\ufffd", text)
        text, removed = _NOT_XML.subn("", text)
        self.replaced += replaced
        self.removed += removed
        return text

    def warnings(self):
        found = []
        if self.replaced:
            found.append(
                f"{self.replaced} bytes that are not {self.encoding} were replaced "
                "with �."
                if self.replaced > 1
                else f"1 byte that is not {self.encoding} was replaced with �."
            )
        if self.removed:
            found.append(
                f"{self.removed} control characters that XML does not allow were "
                "removed."
                if self.removed > 1
                else "1 control character that XML does not allow was removed."
            )
        return found


class _Parser(DefusedXMLParser):
    """defusedxml's parser (entity declarations and external entities refused),
    which also refuses a DOCTYPE that names a DTD outside the file. Expat would
    not fetch it, but no WordPress export has one. The input is always UTF-8:
    _Reader has decoded it, whatever the declaration says."""

    def __init__(self):
        super().__init__(
            target=ET.TreeBuilder(),
            encoding="utf-8",
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        )
        self.parser.StartDoctypeDeclHandler = self._refuse_external_dtd

    def _refuse_external_dtd(self, name, sysid, pubid, has_internal_subset):
        if sysid or pubid:
            raise ExternalReferenceForbidden(None, None, sysid, pubid)


# -- the export ----------------------------------------------------------------


class Export:
    """A WordPress export file, read as it is iterated (each iteration reads the
    file again from the start).

    ``warnings`` fills while iterating with sentences for the import report;
    ``bytes_read / size`` is the progress through the file."""

    def __init__(self, source):
        self.source = source
        self.warnings: list[str] = []
        self._reader = None
        self._start = None
        if not isinstance(source, str | Path) and _seekable(source):
            self._start = source.tell()

    @property
    def bytes_read(self) -> int:
        return self._reader.bytes_read if self._reader else 0

    @property
    def size(self) -> int | None:
        """The file's size in bytes, when it can be known."""
        if isinstance(self.source, str | Path):
            return Path(self.source).stat().st_size
        size = getattr(self.source, "size", None)  # Django's File
        if isinstance(size, int):
            return size
        if _seekable(self.source):
            here = self.source.tell()
            end = self.source.seek(0, 2)
            self.source.seek(here)
            return end - (self._start or 0)
        return None

    def __iter__(self) -> Iterator[Item]:
        self.warnings = []
        if isinstance(self.source, str | Path):
            raw = open(self.source, "rb")  # closed in finally
        else:
            raw = self.source
            if self._start is not None:
                raw.seek(self._start)
        reader = self._reader = _Reader(raw)
        try:
            yield from self._read(reader)
        except ET.ParseError as error:
            raise _broken(error, reader) from None
        except DefusedXmlException as error:
            raise ExportError(_unsafe(error)) from None
        except UnicodeDecodeError:  # only UTF-16 files: see _Reader
            raise ExportError(
                f"The file is not readable as {reader.encoding} text."
            ) from None
        finally:
            self.warnings.extend(reader.warnings())
            if raw is not self.source:
                raw.close()

    def _read(self, reader):
        logins = {}  # lower-case login -> login, for Co-Authors Plus terms
        site = {}
        site_sent = False
        depth = 0
        channel = None
        for event, element in iterparse(reader, ("start", "end"), parser=_Parser()):
            if event == "start":
                depth += 1
                if depth == 1 and _name(element.tag) != "rss":
                    raise ExportError(
                        "This is not a WordPress export: its first element is "
                        f"<{_name(element.tag)}>, not <rss>."
                    )
                if depth == 2:
                    channel = element if _name(element.tag) == "channel" else None
                continue
            depth -= 1
            if depth == 1 and channel is not None and not site_sent:
                yield self._site(site)  # an export with nothing in it
                site_sent = True
            if depth != 2 or channel is None:
                continue
            name = _name(element.tag)
            if name in _SITE_FIELDS:
                site[_SITE_FIELDS[name]] = (element.text or "").strip()
            elif name in _TERM_FIELDS or name in {"wp:author", "item"}:
                if not site_sent:
                    yield self._site(site)
                    site_sent = True
                if name == "wp:author":
                    author = _author(element)
                    logins[author.login.lower()] = author.login
                    yield author
                elif name == "item":
                    item = self._item(element, logins)
                    if item is not None:
                        yield item
                else:
                    yield _term(name, element)
            # Release what has been read: the channel keeps no children, so
            # memory holds one item whatever the size of the file.
            channel.clear()

    def _site(self, fields):
        site = WPSite(**{key: fields.get(key, "") for key in _SITE_FIELDS.values()})
        if not site.wxr_version:
            raise ExportError(
                "This is not a WordPress export: it has no wp:wxr_version. It "
                "may be an RSS feed; export the site with Tools › Export instead."
            )
        if site.wxr_version not in KNOWN_VERSIONS:
            self.warnings.append(
                f"The export is WXR version {site.wxr_version}; this importer "
                "knows versions 1.0 to 1.2, so some of it may be missed."
            )
        return site

    def _item(self, element, logins):
        fields = {}
        meta = {}
        terms = []
        for child in element:
            name = _name(child.tag)
            if name == "wp:postmeta":
                parts = {_name(part.tag): part.text or "" for part in child}
                meta[parts.get("wp:meta_key", "")] = parts.get("wp:meta_value", "")
            elif name == "category":
                term = _item_term(child)
                if term is not None and term not in terms:
                    terms.append(term)
            elif name != "wp:comment":
                fields[name] = child.text or ""
        wp_id = _int(fields.get("wp:post_id"))
        title = fields.get("title", "").strip()
        if wp_id is None:
            self.warnings.append(
                f"An item with no post id (titled “{title}”) was skipped."
                if title
                else "An item with no post id was skipped."
            )
            return None
        post_type = fields.get("wp:post_type", "").strip() or "post"
        parent_id = _int(fields.get("wp:post_parent")) or None
        if post_type == "attachment":
            return WPAttachment(
                wp_id=wp_id,
                url=(
                    fields.get("wp:attachment_url", "").strip()
                    or fields.get("guid", "").strip()
                ),
                title=title,
                alt=meta.get("_wp_attachment_image_alt", "").strip(),
                caption=fields.get("excerpt:encoded", "").strip(),
                file=meta.get("_wp_attached_file", "").strip(),
                parent_id=parent_id,
                description=fields.get("content:encoded", "").strip(),
                credit=_credit(meta),
            )
        creator = fields.get("dc:creator", "").strip()
        return WPPost(
            wp_id=wp_id,
            post_type=post_type,
            title=title,
            slug=_slug(fields.get("wp:post_name")),
            link=fields.get("link", "").strip(),
            guid=fields.get("guid", "").strip(),
            content=fields.get("content:encoded", ""),
            excerpt=fields.get("excerpt:encoded", ""),
            creator=creator,
            published_local=_date(fields.get("wp:post_date")),
            published_gmt=_date(fields.get("wp:post_date_gmt"), utc=True),
            modified_gmt=_date(fields.get("wp:post_modified_gmt"), utc=True),
            status=fields.get("wp:status", "").strip(),
            terms=tuple(terms),
            meta=meta,
            thumbnail_id=_int(meta.get("_thumbnail_id")) or None,
            authors=_authors(creator, terms, logins),
            parent_id=parent_id,
            menu_order=_int(fields.get("wp:menu_order")) or 0,
            is_sticky=_int(fields.get("wp:is_sticky")) == 1,
            password=fields.get("wp:post_password", ""),
            modified_local=_date(fields.get("wp:post_modified")),
        )


def _seekable(file):
    try:
        return file.seekable()
    except (AttributeError, ValueError):
        return False


def _texts(element):
    return {_name(child.tag): (child.text or "").strip() for child in element}


def _author(element):
    fields = _texts(element)
    return WPAuthor(
        wp_id=_int(fields.get("wp:author_id")),
        login=fields.get("wp:author_login", ""),
        email=fields.get("wp:author_email", ""),
        display_name=fields.get("wp:author_display_name", ""),
        first_name=fields.get("wp:author_first_name", ""),
        last_name=fields.get("wp:author_last_name", ""),
    )


def _term(name, element):
    fields = _texts(element)
    taxonomy, slug, term_name, parent, description = _TERM_FIELDS[name]
    return WPTerm(
        taxonomy=taxonomy or fields.get("wp:term_taxonomy", ""),
        slug=_slug(fields.get(slug)),
        name=fields.get(term_name, ""),
        parent=_slug(fields.get(parent)) if parent else "",
        description=fields.get(description, ""),
        wp_id=_int(fields.get("wp:term_id")),
    )


def _item_term(element):
    """<category domain="category" nicename="field-notes">Field notes</category>.
    WXR 1.0 also wrote each one without domain or nicename; those are skipped,
    as WordPress's importer does."""
    slug = element.get("nicename")
    if not slug:
        return None
    domain = element.get("domain") or "category"
    return WPTerm(
        taxonomy="post_tag" if domain == "tag" else domain,
        slug=_slug(slug),
        name=(element.text or "").strip(),
        parent="",
    )


def _authors(creator, terms, logins):
    """dc:creator, then each Co-Authors Plus author: a term in the "author"
    taxonomy whose slug is "cap-" and the user's nicename and whose name is
    usually the login. The login the export's author list knows wins."""
    authors = [creator] if creator else []
    for term in terms:
        if term.taxonomy != "author":
            continue
        nicename = term.slug.removeprefix(CO_AUTHOR_PREFIX)
        login = logins.get(term.name.lower()) or logins.get(nicename.lower())
        login = login or nicename
        if login and login.lower() not in {author.lower() for author in authors}:
            authors.append(login)
    return tuple(authors)


def _broken(error, reader):
    line, column = error.position
    column += 1  # expat counts from 0
    reason = expat.errors.messages.get(error.code, "not well-formed")
    if reader.at_end and reader.bytes_read == 0:
        return ExportError("The file is empty.", line=line, column=column)
    if reader.at_end and error.code in {
        expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
        expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
        expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
    }:
        return ExportError(
            f"The export ends early, at line {line}, column {column}: it may have "
            "been cut off while downloading. Everything before that point was read.",
            line=line,
            column=column,
        )
    return ExportError(
        f"The export is broken at line {line}, column {column} ({reason}). "
        "Everything before that point was read.",
        line=line,
        column=column,
    )


def _unsafe(error):
    if isinstance(error, ExternalReferenceForbidden):
        what = f"entities in a DTD outside the file ({error.sysid or error.pubid})"
    elif getattr(error, "sysid", None):
        what = f"entities that read from outside the file ({error.sysid})"
    else:
        what = f"its own XML entities (“{getattr(error, 'name', '')}”)"
    return (
        f"The file declares {what}, which a WordPress export never does; it was "
        "refused as unsafe and nothing in it was read."
    )


# -- the first pass --------------------------------------------------------------


class Scan(NamedTuple):
    site: WPSite | None
    authors: dict[str, WPAuthor]  # by login
    terms: list[WPTerm]  # channel terms, then terms only items name
    attachments: dict[int, WPAttachment]  # by wp_id
    post_count: int  # WPPost items, of every post type


def scan(source) -> Scan:
    """A first pass: the site, authors, terms and attachments, and how many posts,
    keeping no post content. Attachments can come after the posts that use them,
    so the loader reads these before it imports posts.

    On a broken file, the ExportError raised carries what was read before the
    break as ``error.partial``, a Scan."""
    site = None
    authors = {}
    terms = {}
    attachments = {}
    post_count = 0

    def result():
        return Scan(site, authors, list(terms.values()), attachments, post_count)

    try:
        for item in Export(source):
            match item:
                case WPSite():
                    site = item
                case WPAuthor():
                    authors[item.login] = item
                case WPTerm():
                    terms[item.taxonomy, item.slug] = item
                case WPAttachment():
                    attachments[item.wp_id] = item
                case WPPost():
                    post_count += 1
                    for term in item.terms:
                        terms.setdefault((term.taxonomy, term.slug), term)
    except ExportError as error:
        error.partial = result()
        raise
    return result()


__all__ = [
    "Export",
    "ExportError",
    "Item",
    "Scan",
    "WPAttachment",
    "WPAuthor",
    "WPPost",
    "WPSite",
    "WPTerm",
    "scan",
]
