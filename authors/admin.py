from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from publication.admin_tools import ArticleCountAdminMixin

from .models import Author


@admin.register(Author)
class AuthorAdmin(ArticleCountAdminMixin, admin.ModelAdmin):
    list_display = ["name", "affiliation", "article_count", "public_link"]
    search_fields = ["name", "affiliation", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "affiliation", "bio"]}),
        (_("Photo"), {"fields": ["photo"]}),
        (_("Links"), {"fields": ["website", "links"]}),
    ]
