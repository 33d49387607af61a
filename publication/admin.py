from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Identity, NoticeVersion
from .notices import current_notices


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """One record: the list goes straight to its form."""

    fieldsets = [
        (None, {"fields": ["name", "copyright_holder"]}),
        (
            _("E-mail addresses"),
            {"fields": ["reprint_emails", "media_emails", "corrections_emails"]},
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        identity = Identity.get_solo()
        return redirect(
            reverse("admin:publication_identity_change", args=[identity.pk])
        )


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Current versions only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.in_force_at(timezone.now())
        return queryset


@admin.register(NoticeVersion)
class NoticeVersionAdmin(admin.ModelAdmin):
    """Each save adds a version. The version in force can be edited (saving it
    makes a new one); older versions are shown read-only, as history."""

    list_display = ["kind", "created_at", "created_by", "is_in_force"]
    list_filter = [InForceFilter, "kind"]
    date_hierarchy = "created_at"
    fields = ["kind", "body", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # The kind of an existing notice is fixed; only its text changes.
            return [*self.readonly_fields, "kind"]
        return self.readonly_fields

    @admin.display(description=_("in force now"), boolean=True)
    def is_in_force(self, obj):
        return self._current_pks.get(obj.kind) == obj.pk

    def get_changelist_instance(self, request):
        self._current_pks = {
            kind: version.pk for kind, version in current_notices().items()
        }
        return super().get_changelist_instance(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and current_notices().get(obj.kind) != obj:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Never overwrite a version: store the edited text as a new row.
        obj.pk = None
        obj._state.adding = True
        obj.created_at = timezone.now()
        obj.created_by = request.user
        obj.save()
