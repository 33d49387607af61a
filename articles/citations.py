"""How to cite an article: one set of citation data, several formats.

:func:`citation_for` turns an article into a :class:`Citation` (no query beyond
the authors, which the article page prefetches, and the memoised identity);
its methods format it as APA 7, MLA 9 and Chicago (notes-bibliography, the
bibliography entry of a web article) for the page, and as BibTeX and RIS for
reference managers. Every format is plain text: the templates escape it.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from publication.models import current_identity

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# MLA abbreviates months of more than four letters.
MLA_MONTHS = [
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
]
BIBTEX_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()

# A byline naming one of these is an organisation: cited whole, never inverted.
ORGANISATION_WORDS = {
    "agency",
    "association",
    "board",
    "center",
    "centre",
    "collective",
    "commission",
    "committee",
    "council",
    "desk",
    "editors",
    "foundation",
    "group",
    "institute",
    "network",
    "office",
    "project",
    "society",
    "staff",
    "team",
    "university",
}
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
# Lower-case particles before a family name belong to it ("van Gogh").
PARTICLES = {"al", "bin", "da", "de", "del", "della", "der", "di", "du", "el"}
PARTICLES |= {"la", "le", "ten", "ter", "van", "von"}
STOP_WORDS = {"a", "an", "the"}


@dataclass(frozen=True)
class Name:
    """An author's name; ``given`` is empty for a single name or an organisation."""

    full: str
    family: str
    given: str = ""
    suffix: str = ""

    def inverted(self):
        """ "Family, Given" (", Jr."), or the whole name when it does not split."""
        if not self.given:
            return self.full
        inverted = f"{self.family}, {self.given}"
        return f"{inverted}, {self.suffix}" if self.suffix else inverted

    def apa(self):
        if not self.given:
            return self.full
        initials = " ".join(
            "-".join(f"{part[0]}." for part in word.split("-") if part)
            for word in self.given.split()
        )
        apa = f"{self.family}, {initials}"
        return f"{apa}, {self.suffix}" if self.suffix else apa

    def bibtex(self):
        if not self.given:
            # Braced, so BibTeX neither splits nor abbreviates it.
            return "{" + bibtex_escape(self.full) + "}"
        parts = [self.family, self.suffix, self.given] if self.suffix else None
        parts = parts or [self.family, self.given]
        return ", ".join(bibtex_escape(part) for part in parts)


def split_name(full):
    """Split a one-field author name on its last space, keeping single names and
    organisations whole, a suffix ("Jr.") apart and particles ("van") with the
    family name."""
    full = " ".join(full.split())
    words = full.replace(",", " ").split()
    bare = {word.strip(".").lower() for word in words}
    if (
        len(words) < 2
        or bare & ORGANISATION_WORDS
        or "&" in full
        or any(char.isdigit() for char in full)
    ):
        return Name(full=full, family=full)
    suffix = ""
    if len(words) > 2 and words[-1].strip(".").lower() in SUFFIXES:
        suffix = words.pop()
    family = [words.pop()]
    while len(words) > 1 and words[-1] in PARTICLES:
        family.insert(0, words.pop())
    return Name(
        full=full, family=" ".join(family), given=" ".join(words), suffix=suffix
    )


def single_line(text):
    """No line breaks or control characters: every format is one line a field."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def end(text, mark="."):
    """``text`` closed with ``mark`` unless it already ends a sentence."""
    return text if text and text[-1] in ".?!" else f"{text}{mark}"


def apa_date(day):
    return f"{day.year}, {MONTHS[day.month - 1]} {day.day}"


def mla_date(day):
    return f"{day.day} {MLA_MONTHS[day.month - 1]} {day.year}"


def chicago_date(day):
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def without_scheme(url):
    return re.sub(r"^https?://", "", url)


_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text):
    return "".join(_BIBTEX_SPECIALS.get(char, char) for char in single_line(text))


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "œ": "oe"})


def ascii_fold(text):
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode())


@dataclass(frozen=True)
class Citation:
    title: str
    authors: tuple
    site: str
    url: str
    published: date
    accessed: date
    language: str = "en"
    abstract: str = ""
    original_outlet: str = ""
    original_url: str = ""
    original_date: date | None = None

    @property
    def is_cross_post(self):
        return bool(self.original_outlet)

    def original_note(self, format_date=chicago_date):
        """ "Originally published in <outlet>, <date>", or ""."""
        if not self.original_outlet:
            return ""
        note = f"Originally published in {self.original_outlet}"
        if self.original_date:
            note = f"{note}, {format_date(self.original_date)}"
        return note

    # Styles for the page -------------------------------------------------------

    def apa(self):
        names = [name.apa() for name in self.authors]
        if len(names) > 20:
            names = [*names[:19], f". . . {names[-1]}"]
            authors = ", ".join(names)
        elif len(names) > 1:
            authors = ", ".join(names[:-1]) + ", & " + names[-1]
        else:
            authors = "".join(names)
        when = f"({apa_date(self.published)})."
        title = end(self.title)
        if authors:
            parts = [end(authors), when, title]
        else:
            parts = [title, when]
        parts += [end(self.site), self.url]
        text = " ".join(parts)
        if self.original_outlet:
            text += f" (Original work published in {self.original_outlet}"
            if self.original_date:
                text += f", {chicago_date(self.original_date)}"
            text += ")"
        return text

    def _mla_authors(self):
        names = self.authors
        if not names:
            return ""
        first = names[0].inverted()
        if len(names) == 1:
            return end(first)
        if len(names) == 2:
            return end(f"{first}, and {names[1].full}")
        return f"{first}, et al."

    def mla(self):
        title = f"“{end(self.title)}”"
        parts = [self._mla_authors(), title]
        parts.append(
            f"{self.site}, {mla_date(self.published)}, {without_scheme(self.url)}."
        )
        if self.original_outlet:
            parts.append(end(self.original_note(mla_date)))
        parts.append(f"Accessed {mla_date(self.accessed)}.")
        return " ".join(part for part in parts if part)

    def _chicago_authors(self):
        names = self.authors
        if not names:
            return ""
        shown = [names[0].inverted(), *(name.full for name in names[1:])]
        if len(names) > 10:
            return end(", ".join(shown[:7]) + ", et al")
        if len(shown) == 1:
            return end(shown[0])
        if len(shown) == 2:
            return end(f"{shown[0]}, and {shown[1]}")
        return end(", ".join(shown[:-1]) + ", and " + shown[-1])

    def chicago(self):
        parts = [
            self._chicago_authors(),
            f"“{end(self.title)}”",
            f"{self.site}, {chicago_date(self.published)}.",
        ]
        if self.original_outlet:
            parts.append(end(self.original_note(chicago_date)))
        parts.append(f"{self.url}.")
        return " ".join(part for part in parts if part)

    def styles(self):
        """``(key, label, text)`` for each style the page shows."""
        return [
            ("apa", _("APA (7th edition)"), self.apa()),
            ("mla", _("MLA (9th edition)"), self.mla()),
            ("chicago", _("Chicago (notes and bibliography)"), self.chicago()),
        ]

    # Files for reference managers ----------------------------------------------

    def bibtex_key(self):
        """``<first author's family name><year><first word of the title>``."""
        family = self.authors[0].family if self.authors else self.site
        words = [ascii_fold(word) for word in self.title.split()]
        words = [word for word in words if word] or [""]
        first = next((word for word in words if word not in STOP_WORDS), words[0])
        family = ascii_fold(family.split()[-1] if family.split() else "")
        return f"{family or 'anon'}{self.published.year}{first}"

    def bibtex(self):
        fields = [
            ("author", " and ".join(name.bibtex() for name in self.authors), True),
            # The inner braces keep the headline's capitals from BibTeX styles.
            ("title", "{" + bibtex_escape(self.title) + "}", True),
            ("journal", bibtex_escape(self.site), True),
            ("year", str(self.published.year), True),
            ("month", BIBTEX_MONTHS[self.published.month - 1], False),
            ("date", self.published.isoformat(), True),
            ("url", self.url, True),
            ("langid", self.language, True),
        ]
        if self.abstract:
            fields.append(("abstract", bibtex_escape(self.abstract), True))
        if self.original_outlet:
            fields.append(("note", bibtex_escape(self.original_note()), True))
        lines = [f"@article{{{self.bibtex_key()},"]
        for name, value, braced in fields:
            if value:
                lines.append(
                    f"  {name} = {{{value}}}," if braced else f"  {name} = {value},"
                )
        lines.append("}")
        return "\n".join(lines) + "\n"

    def ris(self):
        """RIS (Research Information Systems): ``TAG  - value`` lines, CRLF."""
        rows = [("TY", "JOUR")]
        rows += [("AU", name.inverted()) for name in self.authors]
        rows += [
            ("TI", self.title),
            ("T2", self.site),
            ("JO", self.site),
            ("PY", str(self.published.year)),
            ("DA", self.published.strftime("%Y/%m/%d")),
            ("UR", self.url),
            ("LA", self.language),
            ("AB", self.abstract),
        ]
        if self.original_outlet:
            note = end(self.original_note())
            if self.original_url:
                note = f"{note} {self.original_url}"
            rows.append(("N1", note))
        lines = [f"{tag}  - {single_line(value)}" for tag, value in rows if value]
        lines.append("ER  - ")
        return "\r\n".join(lines) + "\r\n"


def citation_for(article):
    """The citation data of ``article`` (its authors prefetched)."""
    when = article.publish_at
    published = timezone.localtime(when).date() if when else timezone.localdate()
    return Citation(
        title=single_line(article.title),
        authors=tuple(split_name(a.name) for a in article.ordered_authors()),
        site=current_identity().name,
        url=settings.SITE_URL + article.get_absolute_url(),
        published=published,
        accessed=timezone.localdate(),
        language=(get_language() or settings.LANGUAGE_CODE).split("-")[0],
        abstract=single_line(article.standfirst),
        original_outlet=single_line(article.original_outlet),
        original_url=article.original_url,
        original_date=article.original_published_at,
    )
