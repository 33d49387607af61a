from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from publication.admin_tools import ArticleCountAdminMixin
from publication.images import rendition_url

from .models import Article, Authorship, InDepthReport, ReportArticle


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    autocomplete_fields = ["author"]
    extra = 0
    min_num = 1
    fields = ["author", "position"]
    verbose_name = _("author")
    verbose_name_plural = _("authors (in byline order)")


class ReportInline(admin.TabularInline):
    model = ReportArticle
    autocomplete_fields = ["report"]
    extra = 0
    fields = ["report", "position"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["regions", "themes"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["image_preview", "created_at", "updated_at", "notices_pin"]
    inlines = [AuthorshipInline, ReportInline]
    show_full_result_count = False
    list_per_page = 50
    save_on_top = True

    class Media:
        js = ["js/admin-editor.js"]

    actions = ["publish", "unpublish", "repin_notices"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        (
            _("Publishing"),
            {"fields": ["status", "publish_at", ("created_at", "updated_at")]},
        ),
        (_("Filing"), {"fields": ["regions", "themes", "tags"]}),
        (
            _("Featured image"),
            {
                "fields": [
                    "featured_image",
                    "image_preview",
                    "image_alt",
                    "image_caption",
                    "image_credit",
                ]
            },
        ),
        (
            _("Source and rights"),
            {
                "fields": [
                    "original_outlet",
                    "original_url",
                    "original_published_at",
                    "is_original_canonical",
                    "copyright_override",
                    "is_reprintable",
                    "notices_pin",
                ],
                "description": _(
                    "For cross-posts: where the article first appeared. "
                    "Readers see the source and the copyright line under the text."
                ),
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Without the publish permission, a published article's status and time
        # stay as a publisher set them.
        if (
            obj is not None
            and obj.status == Article.Status.PUBLISHED
            and not self.has_publish_permission(request)
        ):
            fields += ["status", "publish_at"]
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Contributors and editors write drafts and send them for review; only
        # publishers publish.
        if db_field.name == "status" and not self.has_publish_permission(request):
            kwargs["choices"] = [
                (value, label)
                for value, label in Article.Status.choices
                if value != Article.Status.PUBLISHED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

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

    @admin.display(description=_("current image"))
    def image_preview(self, obj):
        if not obj.featured_image:
            return _("No image yet.")
        return format_html(
            '<img src="{}" alt="{}" width="320" class="imprint-preview">',
            rendition_url(obj.featured_image, obj.featured_image_renditions, 320),
            obj.image_alt,
        )

    @admin.action(
        description=_("Publish selected articles now"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        now = timezone.now()
        changed = queryset.exclude(status=Article.Status.PUBLISHED).update(
            status=Article.Status.PUBLISHED, publish_at=now
        )
        # Pin the site notices in force now, as Article.save() does.
        queryset.filter(notices_pinned_at__isnull=True).update(notices_pinned_at=now)
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", changed)
            % changed,
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish(self, request, queryset):
        changed = queryset.filter(status=Article.Status.PUBLISHED).update(
            status=Article.Status.DRAFT
        )
        self.message_user(
            request,
            ngettext("%d article unpublished.", "%d articles unpublished.", changed)
            % changed,
            messages.SUCCESS,
        )

    @admin.action(description=_("Re-pin site notices to the current versions"))
    def repin_notices(self, request, queryset):
        changed = queryset.update(notices_pinned_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%d article now shows the current site notices.",
                "%d articles now show the current site notices.",
                changed,
            )
            % changed,
            messages.SUCCESS,
        )

    @admin.display(description=_("site notices"))
    def notices_pin(self, obj):
        if obj.pk is None:
            return _("Pinned when first published.")
        when = (
            timezone.localtime(obj.notices_pinned_at).strftime("%Y-%m-%d %H:%M")
            if obj.notices_pinned_at
            else _("not pinned yet (current versions shown)")
        )
        return format_html(
            '{} <a class="button" href="{}">{}</a>',
            when,
            reverse("admin:articles_article_repin", args=[obj.pk]),
            _("Re-pin to the current versions…"),
        )

    def get_urls(self):
        repin = path(
            "<path:object_id>/repin/",
            self.admin_site.admin_view(self.repin_view),
            name="articles_article_repin",
        )
        return [repin, *super().get_urls()]

    def repin_view(self, request, object_id):
        """Confirm, then pin one article to the notices in force now (POST)."""
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if request.method == "POST":
            self.repin_notices(request, Article.objects.filter(pk=article.pk))
            return redirect("admin:articles_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Re-pin site notices"),
            "object": article,
            "opts": self.opts,
        }
        return TemplateResponse(
            request, "publication/admin/repin_confirm.html", context
        )

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")


class ReportArticleInline(admin.TabularInline):
    model = ReportArticle
    autocomplete_fields = ["article"]
    extra = 0
    fields = ["article", "position"]
    verbose_name_plural = _("articles (in reading order)")


@admin.register(InDepthReport)
class InDepthReportAdmin(ArticleCountAdminMixin, admin.ModelAdmin):
    list_display = ["title", "position", "article_count", "public_link"]
    list_editable = ["position"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ReportArticleInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "introduction", "position"]}),
        (_("Image"), {"fields": ["image", "image_alt", "image_credit"]}),
    ]
