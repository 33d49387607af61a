"""What changed between two states of an article (see ``editorial.state``), for
the history page's compare view.

:func:`compare` lists the changed fields in the order of
``editorial.state.FIELDS``: a word-level diff of the text (the body compared as
readable text, never as markup), what was added to and removed from the
authors, subjects and tags, and before/after values for the rest. The
template ``editorial/admin/includes/changes.html`` shows the list.
"""

import dataclasses
import datetime
import difflib
import re
from html.parser import HTMLParser

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article, InDepthReport
from authors.models import Author
from editorial.state import FIELDS, FLAG_FIELDS, IMAGE_FIELD, TEXT_FIELDS
from regions.models import Region
from themes.models import Theme

# Elements that start a paragraph of their own in the readable text. The
# sanitiser allows p, h2-h4, li, blockquote and br; the rest are here so that
# a body saved before a change to its rules still reads in paragraphs.
_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "br",
    "hr",
    "pre",
}
# Their content is not text a reader sees.
_SKIPPED = {"script", "style", "template"}

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A token of its own in the word diff; words never contain a newline.
_BREAK = "\n"

RELATION_LABELS = {
    "authors": gettext_lazy("Authors"),
    "regions": gettext_lazy("Regions"),
    "themes": gettext_lazy("Themes"),
    "reports": gettext_lazy("In-depth reports"),
    "tags": gettext_lazy("Tags"),
}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs = [[]]
        self.skipping = 0
        # The editor writes <li><p>text</p></li>: the marker waits for the
        # item's first words rather than standing in a paragraph of its own.
        self.item_pending = False

    def _break(self):
        if "".join(self.paragraphs[-1]).strip():
            self.paragraphs.append([])

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._break()
            if tag == "li":
                self.item_pending = True

    def handle_startendtag(self, tag, attrs):
        # <br/>: no content, and no end tag to wait for.
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data):
        if self.skipping:
            return
        if self.item_pending and data.strip():
            self._break()
            self.paragraphs[-1].append("• ")
            self.item_pending = False
        self.paragraphs[-1].append(data)


def html_to_text(html):
    """The text a reader sees in ``html``: one paragraph a block (list items
    marked "• "), separated by blank lines, entities unescaped, whitespace
    folded. Markup never comes through, even where the input is malformed."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    paragraphs = (" ".join("".join(parts).split()) for parts in parser.paragraphs)
    return "\n\n".join(text for text in paragraphs if text)


def _tokens(text):
    """Words, with a break token between paragraphs (blank lines)."""
    tokens = []
    for paragraph in _PARAGRAPH_BREAK.split(text or ""):
        words = paragraph.split()
        if words:
            if tokens:
                tokens.append(_BREAK)
            tokens.extend(words)
    return tokens


def _marked(tag, words):
    prefix = _("inserted:") if tag == "ins" else _("deleted:")
    return (
        f'<{tag}><span class="visually-hidden">{escape(prefix)} </span>'
        f"{escape(' '.join(words))}</{tag}>"
    )


def _marked_break(tag):
    if tag == "ins":
        label = _("inserted: paragraph break")
    else:
        label = _("deleted: paragraph break")
    return (
        f'<{tag} class="diff-break"><span class="visually-hidden">'
        f'{escape(label)}</span><span aria-hidden="true">¶</span></{tag}>'
    )


def word_diff(old_text, new_text):
    """Both texts in one, word by word: removed words in ``<del>``, added ones
    in ``<ins>``, each paragraph a ``<p>`` in a ``<div class="diff">``. A
    paragraph break that was added or removed shows as a marked "¶" (then the
    break itself, so that every word of both texts is on the page once)."""
    old, new = _tokens(old_text), _tokens(new_text)
    paragraphs = [[]]
    words = []

    def flush(tag):
        if words:
            paragraphs[-1].append(
                _marked(tag, words) if tag else escape(" ".join(words))
            )
            words.clear()

    def emit(tag, tokens):
        for token in tokens:
            if token == _BREAK:
                flush(tag)
                if tag:
                    paragraphs[-1].append(_marked_break(tag))
                paragraphs.append([])
            else:
                words.append(token)
        flush(tag)

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for opcode, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if opcode == "equal":
            emit(None, old[old_start:old_end])
            continue
        emit("del", old[old_start:old_end])
        emit("ins", new[new_start:new_end])
    body = "</p><p>".join(" ".join(pieces) for pieces in paragraphs)
    return mark_safe(f'<div class="diff"><p>{body}</p></div>')


@dataclasses.dataclass
class Change:
    """One changed field of an article between two states.

    ``kind`` says what the template shows: "text" and "html" a word ``diff``;
    "list" the names ``added`` and ``removed``; "value" and "image" the
    ``old`` and ``new`` display strings. ``note`` says what the rest does not
    (an order changed, an image replaced)."""

    field: str
    label: str
    kind: str
    diff: SafeString = SafeString("")
    added: list[str] = dataclasses.field(default_factory=list)
    removed: list[str] = dataclasses.field(default_factory=list)
    old: str = ""
    new: str = ""
    note: str = ""


def _label(name):
    if name in RELATION_LABELS:
        return RELATION_LABELS[name]
    return capfirst(Article._meta.get_field(name).verbose_name)


def _names(model, attribute, pks):
    """Display names of ``pks`` in one query; a row deleted since the revision
    was saved still has a name to show."""
    found = dict(model.objects.filter(pk__in=set(pks)).values_list("pk", attribute))
    return {
        pk: found[pk] if pk in found else _("#%(pk)s (deleted)") % {"pk": pk}
        for pk in pks
    }


def _by_name(names):
    return sorted(names, key=str.lower)


def _text_change(name, old, new):
    old, new = old or "", new or ""
    if old == new:
        return None
    if name == "body":
        old_text, new_text = html_to_text(old), html_to_text(new)
        change = Change(name, _label(name), "html", diff=word_diff(old_text, new_text))
        if old_text == new_text:
            change.note = _("Only the formatting changed.")
        return change
    return Change(name, _label(name), "text", diff=word_diff(old, new))


def _authors_change(old, new):
    old, new = list(old or []), list(new or [])
    if old == new:
        return None
    names = _names(Author, "name", old + new)
    change = Change(
        "authors",
        _label("authors"),
        "list",
        added=[names[pk] for pk in new if pk not in old],
        removed=[names[pk] for pk in old if pk not in new],
    )
    kept_in_old_order = [pk for pk in old if pk in new]
    kept_in_new_order = [pk for pk in new if pk in old]
    if kept_in_old_order != kept_in_new_order:
        change.note = _("Order changed")
        change.old = ", ".join(names[pk] for pk in old)
        change.new = ", ".join(names[pk] for pk in new)
    return change


def _set_change(name, model, old, new):
    old, new = set(old or []), set(new or [])
    if old == new:
        return None
    names = _names(model, "name", old | new)
    return Change(
        name,
        _label(name),
        "list",
        added=_by_name(names[pk] for pk in new - old),
        removed=_by_name(names[pk] for pk in old - new),
    )


def _reports_change(old, new):
    old = dict(old or [])
    new = dict(new or [])
    if old == new:
        return None
    names = _names(InDepthReport, "title", old.keys() | new.keys())
    moved = sorted(
        (pk for pk in old.keys() & new.keys() if old[pk] != new[pk]),
        key=lambda pk: names[pk].lower(),
    )
    return Change(
        "reports",
        _label("reports"),
        "list",
        added=_by_name(names[pk] for pk in new.keys() - old.keys()),
        removed=_by_name(names[pk] for pk in old.keys() - new.keys()),
        note=" ".join(
            _("Position in “%(report)s” changed from %(old)s to %(new)s.")
            % {"report": names[pk], "old": old[pk], "new": new[pk]}
            for pk in moved
        ),
    )


def _tags_change(old, new):
    # Tags match without regard to case (TAGGIT_CASE_INSENSITIVE): "Climate"
    # and "climate" are one tag, so a change of case alone is no change.
    old = {name.lower(): name for name in old or []}
    new = {name.lower(): name for name in new or []}
    if old.keys() == new.keys():
        return None
    return Change(
        "tags",
        _label("tags"),
        "list",
        added=_by_name(new[key] for key in new.keys() - old.keys()),
        removed=_by_name(old[key] for key in old.keys() - new.keys()),
    )


def _image_change(old, new):
    old, new = old or "", new or ""
    if old == new:
        return None
    if not old:
        note = _("Image added")
    elif not new:
        note = _("Image removed")
    else:
        note = _("Image replaced")
    return Change(
        IMAGE_FIELD,
        _label(IMAGE_FIELD),
        "image",
        old=old,
        new=new,
        note=note,
    )


def _date_display(value):
    if not value:
        return ""
    try:
        return date_format(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        # Not a date this code wrote; show it as stored rather than hide it.
        return str(value)


def _value_change(name, old, new):
    if name in FLAG_FIELDS:
        old, new = bool(old), bool(new)
        if old == new:
            return None
        return Change(
            name,
            _label(name),
            "value",
            old=_("Yes") if old else _("No"),
            new=_("Yes") if new else _("No"),
        )
    old, new = old or None, new or None
    if old == new:
        return None
    return Change(
        name, _label(name), "value", old=_date_display(old), new=_date_display(new)
    )


def compare(old, new):
    """The fields that differ from state ``old`` to state ``new``, in
    ``FIELDS`` order, as :class:`Change` objects. A key missing from a state
    (saved before the key existed) counts as empty. Costs one query for each
    kind of related name that changed (authors, regions, themes, reports) and
    none otherwise."""
    changes = []
    for name in FIELDS:
        before, after = old.get(name), new.get(name)
        if name in TEXT_FIELDS:
            change = _text_change(name, before, after)
        elif name == "authors":
            change = _authors_change(before, after)
        elif name == "regions":
            change = _set_change(name, Region, before, after)
        elif name == "themes":
            change = _set_change(name, Theme, before, after)
        elif name == "reports":
            change = _reports_change(before, after)
        elif name == "tags":
            change = _tags_change(before, after)
        elif name == IMAGE_FIELD:
            change = _image_change(before, after)
        else:
            change = _value_change(name, before, after)
        if change is not None:
            changes.append(change)
    return changes
