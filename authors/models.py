from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from publication.images import SafeImageField
from publication.links import address
from publication.models import KeepsFormerSlugs


class Author(KeepsFormerSlugs, models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The last part of the author's page address."),
    )
    bio = models.TextField(
        _("biography"),
        blank=True,
        help_text=_("A few sentences, shown under each article and on their page."),
    )
    affiliation = models.CharField(
        _("affiliation"),
        max_length=200,
        blank=True,
        help_text=_("Institution or role, e.g. “Senior Fellow, Institute of X”."),
    )
    photo = SafeImageField(
        _("photo"),
        blank=True,
        help_text=_("A portrait; JPEG, PNG, WebP or GIF."),
    )
    photo_renditions = models.JSONField(default=list, blank=True, editable=False)
    website = models.URLField(_("website"), blank=True)
    links = models.TextField(
        _("other links"),
        blank=True,
        help_text=_("Profiles elsewhere, one address per line."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editor account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        help_text=_(
            "The author's login, if they write in the editor admin: a "
            "contributor may edit the drafts they are credited on."
        ),  # fmt: skip
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("articles:author", slug=self.slug)

    def link_list(self):
        return [line.strip() for line in self.links.splitlines() if line.strip()]
