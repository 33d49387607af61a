"""Tags: taggit's own admin, refusing a slug that redirects to another tag.
(The article and report admins are the editorial desk's.)"""

from django import forms
from django.contrib import admin
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from publication.addresses import check_slug_is_free


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def validate_unique(self):
        # Tag is taggit's model: the check KeepsFormerSlugs adds to our models.
        super().validate_unique()
        if "slug" not in self.errors and "slug" in self.cleaned_data:
            try:
                check_slug_is_free(self.instance)
            except forms.ValidationError as error:
                self._update_errors(error)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(TaggitTagAdmin):
    form = TagForm
