"""WordPress imports in the editor admin: a publisher uploads an export, reads
the dry-run report, confirms, and watches the import run in the task worker."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .mapping import Mapping, MappingError
from .models import WordPressImport
from .services import Report
from .tasks import check_import, run_import

Status = WordPressImport.Status
RUN_PERMISSION = "imports.run_wordpressimport"


class UploadForm(forms.ModelForm):
    class Meta:
        model = WordPressImport
        fields = ["export", "mapping", "download_images", "image_hosts"]
        widgets = {
            "export": forms.ClearableFileInput(attrs={"accept": ".xml,text/xml"}),
            "mapping": forms.Textarea(
                attrs={
                    "rows": 6,
                    "placeholder": 'regions = ["africa", "asia"]\n'
                    'themes = ["economy"]\nreports = ["energy-dossier"]',
                }
            ),
        }

    def clean_export(self):
        export = self.cleaned_data["export"]
        limit = settings.IMPORT_MAX_BYTES
        if export.size > limit:
            raise forms.ValidationError(
                _("This file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(export.size), "limit": filesizeformat(limit)}
            )
        head = export.read(2048).lstrip()
        export.seek(0)
        if not head.startswith(b"<?xml") and b"<rss" not in head:
            raise forms.ValidationError(
                _(
                    "This is not a WordPress export: upload the .xml file that "
                    "Tools › Export writes."
                )
            )
        return export

    def clean_mapping(self):
        text = self.cleaned_data["mapping"]
        try:
            Mapping.parse(text)
        except MappingError as error:
            raise forms.ValidationError(str(error)) from error
        return text


@admin.register(WordPressImport)
class WordPressImportAdmin(admin.ModelAdmin):
    form = UploadForm
    list_display = ["__str__", "status", "progress", "created_by", "created_at"]
    list_filter = ["status"]
    change_form_template = "imports/admin/wordpressimport_change_form.html"
    readonly_fields = [
        "original_name",
        "status",
        "progress",
        "mapping",
        "download_images",
        "image_hosts",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    ]

    def has_module_permission(self, request):
        return request.user.has_perm(RUN_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(RUN_PERMISSION)

    def has_add_permission(self, request):
        return request.user.has_perm(RUN_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False  # an uploaded export is not edited: upload a new one

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status in (Status.CHECKING, Status.IMPORTING):
            return False
        return request.user.has_perm(RUN_PERMISSION)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        obj.export.delete(save=False)  # the export holds drafts and e-mails

    def delete_queryset(self, request, queryset):
        exports = [job.export for job in queryset]
        super().delete_queryset(request, queryset)
        for export in exports:
            export.delete(save=False)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["export", "mapping", "download_images", "image_hosts"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if not obj.total:
            return "—"
        return f"{obj.processed:,} / {obj.total:,} ({obj.percent}%)"

    def save_model(self, request, obj, form, change):
        obj.original_name = form.cleaned_data["export"].name[:255]
        obj.created_by = request.user
        obj.status = Status.CHECKING
        super().save_model(request, obj, form, change)
        pk = obj.pk
        transaction.on_commit(lambda: check_import.enqueue(pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _(
                "The export is being checked (a dry run: nothing is saved). "
                "Read the report below, then confirm the import."
            ),
        )
        return HttpResponseRedirect(obj.admin_url())

    def get_urls(self):
        return [
            path(
                "<path:object_id>/run/",
                self.admin_site.admin_view(self.run_view),
                name="imports_wordpressimport_run",
            )
        ] + super().get_urls()

    def run_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(RUN_PERMISSION):
            raise PermissionDenied
        with transaction.atomic():
            job = (
                WordPressImport.objects.select_for_update()
                .filter(pk=self._pk(object_id))
                .first()
            )
            if job is None:
                raise Http404(_("No such import."))
            if job.status != Status.CHECKED:
                self.message_user(
                    request,
                    _("This import cannot start now: it is %(status)s.")
                    % {"status": job.get_status_display().lower()},
                    messages.ERROR,
                )
                return HttpResponseRedirect(job.admin_url())
            job.status = Status.IMPORTING
            job.processed = 0
            job.save(update_fields=["status", "processed"])
            pk = job.pk
            transaction.on_commit(lambda: run_import.enqueue(pk))
        self.message_user(request, _("The import has started."))
        return HttpResponseRedirect(job.admin_url())

    def _pk(self, object_id):
        field = WordPressImport._meta.pk
        try:
            return field.to_python(unquote(object_id))
        except Exception as error:  # noqa: BLE001 - any odd id is a 404
            raise Http404(_("No such import.")) from error

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if job is not None:
            extra.update(
                check_report=Report.from_dict(job.check_report)
                if job.check_report
                else None,
                report=Report.from_dict(job.report) if job.report else None,
                running=job.status in (Status.CHECKING, Status.IMPORTING),
                can_run=job.status == Status.CHECKED
                and request.user.has_perm(RUN_PERMISSION),
            )
        return super().change_view(request, object_id, form_url, extra)
