"""Rich text: what the editor may write, and the sanitiser every save runs."""

import re

import nh3
from django_prose_editor.fields import ProseEditorField

# What editors can make in django-prose-editor. A body may also hold figures and
# images (ALLOWED_TAGS), which imports bring in.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
    "HTML": True,
    "Typographic": True,
    # Imported articles carry figures and images (imports.content); without
    # these the editor would drop them at the first edit.
    "Figure": True,
    "Caption": True,
    "Image": True,
}

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "strong", "b", "em", "i", "a",
    "ul", "ol", "li", "blockquote", "br",
    # Not made in the editor, but brought in by imports (imports/content.py).
    "figure", "figcaption", "img",
}  # fmt: skip
# "*" is spelled out because nh3 otherwise allows title and lang on every tag.
ALLOWED_ATTRIBUTES = {
    "*": set(),
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# nh3's url_schemes cover href and src alike; an image comes from the web only.
IMAGE_SCHEMES = {"http", "https"}
# Browsers drop these anywhere in a URL, or around it, before reading the scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _filter_attribute(tag, name, value):
    if tag != "img":
        return value
    if name in {"width", "height"}:
        return value if value.isascii() and value.isdigit() else None
    if name == "src":
        scheme = _SCHEME.match(_URL_NOISE.sub("", value))
        if scheme and scheme.group(1).lower() not in IMAGE_SCHEMES:
            return None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
    strip_comments=True,
)


# MathML and SVG put the parser in foreign content, where <style> is an ordinary
# element: everything after an unclosed one (<math><mtext><table><mglyph><style>)
# becomes its content, which clean_content_tags then drops. The editor makes
# neither, so their tags go before parsing (their text stays).
FOREIGN_TAGS = re.compile(
    r"</?(?:math|svg|mi|mo|mn|ms|mtext|mglyph|malignmark|annotation-xml|"
    r"foreignobject)\b[^>]*>",
    re.IGNORECASE,
)
# A closed <style> or <script> goes with its content; an unclosed one would
# swallow the rest of the body, so only its tag goes.
RAW_TEXT_ELEMENTS = re.compile(
    r"<(style|script)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
RAW_TEXT_TAGS = re.compile(r"</?(?:style|script)\b[^>]*>", re.IGNORECASE)


def _without_foreign_content(html):
    html = FOREIGN_TAGS.sub("", html)
    html = RAW_TEXT_ELEMENTS.sub("", html)
    return RAW_TEXT_TAGS.sub("", html)


def sanitize_html(html):
    """Keep only the markup the editor makes, and the figures and images imports
    bring; drop scripts, handlers, styles and javascript:/data: URLs. Sanitising
    twice gives the same result."""
    if not html:
        return ""
    cleaned = _cleaner.clean(_without_foreign_content(html)).strip()
    # Misnested markup (an <a> inside an <a> by way of a <table>) can serialise
    # to HTML that parses into a different tree; clean again until it is stable,
    # so what is stored is what the next parser sees.
    for _attempt in range(3):
        again = _cleaner.clean(cleaned).strip()
        if again == cleaned:
            break
        cleaned = again
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned


class RichTextField(ProseEditorField):
    """A django-prose-editor field that sanitises on every save, not only in
    forms: the admin, the shell, importers and bulk_create all go through
    pre_save."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("extensions", EDITOR_EXTENSIONS)
        kwargs["sanitize"] = sanitize_html
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("extensions", None)
        kwargs.pop("sanitize", None)
        kwargs.pop("config", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
