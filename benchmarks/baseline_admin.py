"""The article changelist as it was before the editorial desk, to time against.

Issue 7 asks that the admin article list at 100,000 articles stay within 1.5× of
"today", meaning the list before revisions and working drafts existed. That
list is rebuilt here on an admin site of the benchmark's own (never part of the
product, served only by ``benchmarks.urls``): the same columns, filters, search,
date hierarchy and page size as ``articles/admin.py`` had then, with the
article's ``status`` where the desk now shows its workflow state, the plain
status filter where it has the state filter, and no join to the working draft.
Every other model of ``admin.site`` is registered as well, so the sidebar and
the app list cost the same on both sites.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from publication.images import rendition_url

site = admin.AdminSite(name="bench_baseline")


class BaselineArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "thumbnail",
        "byline",
        "status",
        "publish_at",
        "region_list",
        "theme_list",
    ]
    list_display_links = ["title"]
    list_filter = [
        "status",
        ("publish_at", admin.DateFieldListFilter),
        ("regions", admin.RelatedOnlyFieldListFilter),
        ("themes", admin.RelatedOnlyFieldListFilter),
        ("reports", admin.RelatedOnlyFieldListFilter),
        ("authors", admin.RelatedOnlyFieldListFilter),
        "is_reprintable",
    ]
    search_fields = ["title", "standfirst", "authors__name"]
    search_help_text = _("Search titles, standfirsts and author names.")
    date_hierarchy = "publish_at"
    show_full_result_count = False
    list_per_page = 50

    class Media:
        js = ["js/admin-editor.js"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("body")
            .prefetch_related("authors", "regions", "themes")
        )

    @admin.display(description=_("authors"))
    def byline(self, obj):
        return ", ".join(author.name for author in obj.authors.all())

    @admin.display(description=_("regions"))
    def region_list(self, obj):
        return ", ".join(region.name for region in obj.regions.all())

    @admin.display(description=_("themes"))
    def theme_list(self, obj):
        return ", ".join(theme.name for theme in obj.themes.all())

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        if not obj.featured_image:
            return ""
        return format_html(
            '<img src="{}" alt="" width="80" height="45" class="imprint-thumb">',
            rendition_url(obj.featured_image, obj.featured_image_renditions, 80),
        )


def build():
    """Fill ``site`` once: the baseline article admin and, for the same
    sidebar, every other model of ``admin.site`` with its own admin class."""
    if site.is_registered(Article):
        return site
    site.site_header = admin.site.site_header
    site.site_title = admin.site.site_title
    site.index_title = admin.site.index_title
    site.register(Article, BaselineArticleAdmin)
    for model, model_admin in admin.site._registry.items():
        if model is not Article:
            site.register(model, type(model_admin))
    return site
