"""Which WordPress categories become regions, themes or in-depth reports.

A mapping is TOML (a file for ``import_wordpress --mapping``, or the text box of
the admin's upload form)::

    regions = ["africa", "asia", "europe"]
    themes = ["economy", "security/*"]   # "security/*": its subcategories
    reports = ["energy-dossier"]
    skip = ["uncategorized"]

Entries are category slugs as WordPress has them. ``name/*`` stands for every
category below ``name`` (at any depth), not ``name`` itself. A category named
nowhere becomes a tag, as do WordPress's tags.
"""

import tomllib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("regions", "themes", "reports", "skip")


class MappingError(ValueError):
    """The mapping cannot be read; the message says where."""


@dataclass
class Mapping:
    regions: set[str] = field(default_factory=set)
    themes: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, text, **extra):
        """Read TOML ``text``, plus lists of slugs per kind given as
        keywords (the command's ``--region`` and friends)."""
        try:
            data = tomllib.loads(text or "")
        except tomllib.TOMLDecodeError as error:
            raise MappingError(
                _("The category mapping is not valid TOML: %(error)s")
                % {"error": error}
            ) from error
        unknown = sorted(set(data) - set(KINDS))
        if unknown:
            raise MappingError(
                _("The category mapping has unknown keys: %(keys)s (use %(kinds)s).")
                % {"keys": ", ".join(unknown), "kinds": ", ".join(KINDS)}
            )
        mapping = cls()
        for kind in KINDS:
            values = data.get(kind, [])
            if not isinstance(values, list) or not all(
                isinstance(value, str) for value in values
            ):
                raise MappingError(
                    _("“%(kind)s” in the category mapping must be a list of slugs.")
                    % {"kind": kind}
                )
            getattr(mapping, kind).update(v.strip() for v in values if v.strip())
            getattr(mapping, kind).update(extra.get(kind) or ())
        return mapping

    def kind_of(self, slug, ancestors):
        """``"regions"``, ``"themes"``, ``"reports"``, ``"skip"`` or ``"tags"``
        for a category with ``slug`` below ``ancestors`` (nearest first)."""
        for kind in KINDS:
            chosen = getattr(self, kind)
            if slug in chosen:
                return kind
            if any(f"{ancestor}/*" in chosen for ancestor in ancestors):
                return kind
        return "tags"
