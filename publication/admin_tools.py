"""Admin pieces that several apps use."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class ArticleCountAdminMixin:
    """Adds the number of public and all articles, and a link to the public page,
    to an admin whose model has an ``articles`` reverse relation."""

    def get_queryset(self, request):
        # Article is reached through the reverse relation, so this module (and
        # the leaf apps using it) imports no app; "public" stays published()'s.
        relation = self.model._meta.get_field("articles")
        field = relation.field.name
        public = (
            relation.related_model.objects.published()
            .filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_total=Count("articles", distinct=True),
                article_published=Coalesce(Subquery(public), 0),
            )
            # GROUP BY drops Meta.ordering; the changelist and autocomplete need it.
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, obj):
        return format_html(
            "{} <small>({} {})</small>",
            obj.article_total,
            obj.article_published,
            _("public"),
        )

    @admin.display(description=_("public page"))
    def public_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.get_absolute_url(), _("View on site")
        )
