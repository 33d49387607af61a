import csv
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from publication.numbers import parse_number

from . import services
from .models import (
    ContactMessage,
    PermissionGrant,
    ReplyTemplate,
    ReprintEvent,
    ReprintRequest,
)

Status = ReprintRequest.Status

# Which reply template kind and new status each decision uses.
DECISIONS = {
    "approve": (ReplyTemplate.Kind.APPROVE, Status.APPROVED, _("Approve")),
    "decline": (ReplyTemplate.Kind.DECLINE, Status.DECLINED, _("Decline")),
    "needs-info": (
        ReplyTemplate.Kind.NEEDS_INFO,
        Status.NEEDS_INFO,
        _("Ask for information"),
    ),
}


class DecisionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message to the requester"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        help_text=_(
            "{verify_url} and {expires} are filled in when sent; the attribution "
            "and the verification link are added to approvals."
        ),  # fmt: skip
    )
    note = forms.CharField(
        label=_("Internal note"),
        max_length=300,
        required=False,
        help_text=_("For the history only; not sent."),
    )

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if "\r" in subject or "\n" in subject:
            raise forms.ValidationError(_("Use a single line."))
        return subject


class ApprovalForm(DecisionForm):
    expires_at = forms.DateTimeField(
        label=_("Permission expires"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_expires_at(self):
        expires = self.cleaned_data["expires_at"]
        if expires <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return expires


class ReprintEventInline(admin.TabularInline):
    model = ReprintEvent
    fields = [
        "created_at",
        "actor",
        "from_status",
        "to_status",
        "note",
        "subject",
        "emailed_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("history (who changed what, and when)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReprintRequest)
class ReprintRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "created_at",
        "status",
        "article_title",
        "requester",
        "medium",
        "intended_date",
        "is_notified",
        "is_held_for_review",
    ]
    list_filter = [
        "status",
        "is_held_for_review",
        "medium",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "reference",
        "name",
        "email",
        "organisation",
        "article__title",
    ]
    search_help_text = _("Reference, name, e-mail, organisation or article title.")
    list_select_related = ["article"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_csv", "mark_withdrawn"]
    inlines = [ReprintEventInline]
    change_form_template = "reprints/admin/reprintrequest_change_form.html"
    readonly_fields = [
        "reference",
        "status",
        "article_link",
        "name",
        "email",
        "organisation",
        "outlet_link",
        "medium",
        "language",
        "intended_date",
        "message",
        "terms",
        "created_at",
        "notified_at",
        "is_held_for_review",
        "grant_link",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "article_link", "grant_link"]}),
        (
            _("Requester"),
            {"fields": ["name", "email", "organisation", "outlet_link"]},
        ),
        (
            _("Request"),
            {"fields": ["medium", "language", "intended_date", "message", "terms"]},
        ),
        (
            _("Delivery"),
            {"fields": ["created_at", "notified_at", "is_held_for_review"]},
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("article"), ordering="article__title")
    def article_title(self, obj):
        return obj.article.title

    @admin.display(description=_("requester"))
    def requester(self, obj):
        return format_html(
            "{}<br><small>{} · {}</small>", obj.name, obj.organisation, obj.email
        )

    @admin.display(description=_("notified"), boolean=True)
    def is_notified(self, obj):
        return obj.notified_at is not None

    @admin.display(description=_("article"))
    def article_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.article.get_absolute_url(), obj.article.title
        )

    @admin.display(description=_("outlet"))
    def outlet_link(self, obj):
        return format_html(
            '<a href="{}" rel="noopener noreferrer">{}</a>',
            obj.outlet_url,
            obj.outlet_url,
        )

    @admin.display(description=_("permission"))
    def grant_link(self, obj):
        grant = PermissionGrant.objects.filter(request=obj).first()
        if grant is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">{}</a>)',
            reverse("admin:reprints_permissiongrant_change", args=[grant.pk]),
            grant.get_state_display(),
            grant.get_absolute_url(),
            _("public verification page"),
        )

    def get_urls(self):
        urls = [
            path(
                f"<path:object_id>/{action}/",
                self.admin_site.admin_view(self.decision_view),
                {"action": action},
                name=f"reprints_reprintrequest_{action.replace('-', '_')}",
            )
            for action in DECISIONS
        ]
        return urls + super().get_urls()

    def decision_view(self, request, object_id, action):
        """Approve, decline or ask for information, with a message started from
        a reply template; the requester is e-mailed after commit."""
        # get_object() answers None for an id the primary key cannot hold
        # ("abc", "²", too large), as the change view does, so it is a 404.
        req = self.get_object(request, unquote(object_id))
        if req is None:
            raise Http404(_("No such reprint request."))
        if not self.has_change_permission(request, req):
            raise PermissionDenied
        kind, status, label = DECISIONS[action]
        form_class = ApprovalForm if status == Status.APPROVED else DecisionForm
        templates = ReplyTemplate.objects.filter(kind=kind)
        chosen = None
        # No more digits than a bigint holds.
        template_id = parse_number(request.GET.get("template"), digits=18)
        if template_id is not None:
            chosen = templates.filter(pk=template_id).first()
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                _event, grant = services.decide(
                    req,
                    status,
                    actor=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    expires_at=form.cleaned_data.get("expires_at"),
                    note=form.cleaned_data["note"],
                )
                self.message_user(
                    request,
                    _("%(reference)s: %(status)s. The requester is e-mailed.")
                    % {"reference": req.reference, "status": status.label},
                    messages.SUCCESS,
                )
                return redirect("admin:reprints_reprintrequest_change", req.pk)
        else:
            subject, body = services.template_start(req, kind, chosen)
            initial = {"subject": subject, "body": body}
            if status == Status.APPROVED:
                initial["expires_at"] = timezone.localtime(
                    timezone.now() + timedelta(days=365)
                ).replace(second=0, microsecond=0)
            form = form_class(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}: {req.reference}",
            "opts": self.opts,
            "original": req,
            "form": form,
            "templates": templates,
            "chosen": chosen,
            "action": action,
            "label": label,
        }
        return TemplateResponse(request, "reprints/admin/decision.html", context)

    @admin.action(description=_("Export selected requests as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="reprint-requests.csv"'
        writer = csv.writer(response)
        columns = [
            "reference", "created_at", "status", "article", "name", "email",
            "organisation", "outlet_url", "medium", "language", "intended_date",
            "message",
        ]  # fmt: skip
        writer.writerow(columns)
        for obj in queryset.select_related("article").order_by("-created_at"):
            row = [
                obj.reference,
                obj.created_at.isoformat(),
                obj.status,
                obj.article.title,
                obj.name,
                obj.email,
                obj.organisation,
                obj.outlet_url,
                obj.medium,
                obj.language,
                obj.intended_date.isoformat(),
                obj.message,
            ]
            # Cells starting with = + - @ would run as formulas in a spreadsheet.
            writer.writerow(
                ["'" + str(cell) if str(cell)[:1] in "=+-@" else cell for cell in row]
            )
        return response

    @admin.action(description=_("Mark selected requests as withdrawn"))
    def mark_withdrawn(self, request, queryset):
        count = 0
        for req in queryset.exclude(status=Status.WITHDRAWN):
            services.set_status(req, Status.WITHDRAWN, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d request withdrawn.", "%d requests withdrawn.", count) % count,
            messages.SUCCESS,
        )


@admin.register(PermissionGrant)
class PermissionGrantAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "grantee_name",
        "article",
        "medium",
        "granted_at",
        "expires_at",
        "state_display",
    ]
    list_filter = ["medium", ("granted_at", admin.DateFieldListFilter)]
    search_fields = ["organisation", "grantee_name", "article__title", "code"]
    list_select_related = ["article"]
    show_full_result_count = False
    actions = ["revoke"]
    fields = [
        "article",
        "grantee_name",
        "organisation",
        "medium",
        "terms",
        "granted_at",
        "expires_at",
        "revoked_at",
        "code",
        "request",
    ]
    readonly_fields = [
        "article",
        "grantee_name",
        "organisation",
        "medium",
        "terms",
        "granted_at",
        "revoked_at",
        "code",
        "request",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.get_state_display()

    @admin.action(description=_("Revoke selected permissions"))
    def revoke(self, request, queryset):
        count = sum(
            services.revoke_grant(grant, actor=request.user)
            for grant in queryset.filter(revoked_at__isnull=True)
        )
        self.message_user(
            request,
            ngettext("%d permission revoked.", "%d permissions revoked.", count)
            % count,
            messages.SUCCESS,
        )


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "subject", "is_default"]
    list_filter = ["kind"]
    search_fields = ["name", "subject", "body"]


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "created_at",
        "topic",
        "subject",
        "name",
        "email",
        "is_notified",
        "is_held_for_review",
    ]
    list_filter = [
        "topic",
        "is_held_for_review",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "name", "email", "organisation", "subject"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [
        "reference", "topic", "name", "email", "organisation", "subject",
        "message", "created_at", "notified_at", "is_held_for_review",
    ]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("notified"), boolean=True)
    def is_notified(self, obj):
        return obj.notified_at is not None
