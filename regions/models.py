from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from publication.models import Taxonomy


class Region(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["position", "name"])]

    def get_absolute_url(self):
        return reverse("articles:region", kwargs={"slug": self.slug})
