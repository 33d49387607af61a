from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from publication.models import Taxonomy


class Theme(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        indexes = [models.Index(fields=["position", "name"])]

    def get_absolute_url(self):
        return reverse("articles:theme", kwargs={"slug": self.slug})
