from django.db import models
from django.utils.translation import gettext_lazy as _

from publication.links import address
from publication.models import Taxonomy


class Region(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["position", "name"])]

    def get_absolute_url(self):
        return address("articles:region", slug=self.slug)
