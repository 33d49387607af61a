from django.db import models
from django.utils.translation import gettext_lazy as _


class Taxonomy(models.Model):
    """What regions and themes share: a named, ordered, described grouping."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The last part of the page's address. Changing it breaks links."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Shown at the top of the page and in search results."),
    )
    position = models.PositiveIntegerField(
        _("position"),
        default=0,
        help_text=_("Lower numbers come first in menus and on the home page."),
    )

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
