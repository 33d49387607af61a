from django.contrib import admin

from publication.admin_tools import ArticleCountAdminMixin

from .models import Theme


@admin.register(Theme)
class ThemeAdmin(ArticleCountAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count", "public_link"]
    list_editable = ["position"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
