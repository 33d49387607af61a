"""The article admin, as the editors' desk.

The change form saves through ``editorial.services``: an unpublished article is
written as usual and a revision recorded; a published (or scheduled) one keeps
its row — what readers see — and what the editor typed becomes its working
draft. The buttons under the form are the workflow's actions (save draft,
submit for review, publish, schedule, request changes); each is checked against
``editorial.permissions`` on the server, whatever the page showed.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.models import (
    Article,
    Authorship,
    Correction,
    InDepthReport,
    ReportArticle,
)
from publication.admin_tools import ArticleCountAdminMixin
from publication.images import rendition_url
from publication.numbers import parse_number

from . import collab, permissions, preview, services, views
from .labels import workflow_label
from .models import AuditEntry
from .state import FIELDS, article_from_state, state_from_form

# The buttons under the article form, and what each needs.
SAVE, SUBMIT, PUBLISH, SCHEDULE, REQUEST_CHANGES = (
    "save",
    "submit",
    "publish",
    "schedule",
    "request_changes",
)
ACTIONS = {SAVE, SUBMIT, PUBLISH, SCHEDULE, REQUEST_CHANGES}
PUBLISHER_ACTIONS = {PUBLISH, SCHEDULE, REQUEST_CHANGES}


CHANGE_KIND_CHOICES = [
    (Correction.Kind.CORRECTION, _("A correction: something was wrong")),
    (Correction.Kind.CLARIFICATION, _("A clarification: it was unclear")),
    (Correction.Kind.UPDATE, _("An update: there is news")),
    (services.SILENT, _("A silent fix (a typo): no note")),
]


class BulkChangeForm(forms.Form):
    """What kind of change the drafts of live articles published together are
    (one answer for all, as on the form for one)."""

    change_kind = forms.ChoiceField(
        label=_("What kind of change are these?"),
        choices=CHANGE_KIND_CHOICES,
        widget=forms.RadioSelect,
    )
    change_note = forms.CharField(
        label=_("Note to readers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown under each of these articles, except for a silent fix."),
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("change_kind")
        if kind:
            try:
                cleaned["change"] = services.check_change(
                    (kind, cleaned.get("change_note", ""))
                )
            except services.WorkflowError as error:
                self.add_error("change_note", str(error))
        return cleaned


class ArticleForm(forms.ModelForm):
    """The article's fields plus what the workflow asks on save."""

    revision_message = forms.CharField(
        label=_("What did you change?"),
        required=False,
        max_length=300,
        help_text=_("Optional; shown in the article's history."),
    )
    review_comment = forms.CharField(
        label=_("Comment for the review"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Sent with “Submit for review” or “Request changes” (required "
            "there), and kept beside the article."
        ),  # fmt: skip
    )
    schedule_at = forms.SplitDateTimeField(
        label=_("Publish at"),
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text=_("For “Schedule”: a time in the future."),
    )
    change_kind = forms.ChoiceField(
        label=_("What kind of change is this?"),
        required=False,
        choices=[("", _("Choose…")), *CHANGE_KIND_CHOICES],
        help_text=_(
            "Asked when publishing changes to an article readers have seen. "
            "A correction, clarification or update shows its note under the "
            "article and on the corrections page."
        ),  # fmt: skip
    )
    change_note = forms.CharField(
        label=_("Note to readers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Plain text, shown as “Corrected on 2 December 2026: …”. Say what "
            "was wrong and what is right now."
        ),  # fmt: skip
    )

    class Meta:
        model = Article
        # The admin's fieldsets choose what is shown; status and times are
        # set by the workflow's actions, never typed.
        # Every editable field but the two the inlines show.
        fields = [name for name in FIELDS if name not in {"authors", "reports"}]

    base_revision = forms.CharField(widget=forms.HiddenInput, required=False)

    # Set by the admin for one request: "conflict" (a newer revision by someone
    # else) or "restore" (an autosave shown for checking). The form then never
    # validates, so nothing is saved, and no error is invented: the desk's panel
    # says what happened.
    hold = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft opened on the change form: its tags come from memory, not
        # from the live article's rows (see state.article_from_state).
        cached = getattr(self.instance, "_prefetched_objects_cache", {})
        if "tags" in self.fields and "tags" in cached and not self.is_bound:
            self.initial["tags"] = cached["tags"]
        if not self.is_bound:
            # The revision this form shows: a save on top of a newer one by
            # someone else is a conflict (see collab).
            self.initial["base_revision"] = collab.current_number(self.instance)

    def is_valid(self):
        return super().is_valid() and self.hold is None

    def clean(self):
        cleaned = super().clean()
        # Publishing changes to an article readers have seen asks what kind
        # of change it is. Checked here, not when the button's action runs:
        # the form comes back with everything typed (the note too) and nothing
        # is saved until the answer is given.
        if self.data.get("_action") in {PUBLISH, SCHEDULE} and (
            self.instance.pk and self.instance.is_public
        ):
            kind = cleaned.get("change_kind")
            note = (cleaned.get("change_note") or "").strip()
            if not kind:
                self.add_error(
                    "change_kind",
                    _(
                        "Readers have seen this article: say whether this is a "
                        "correction, a clarification, an update or a silent fix."
                    ),
                )
            elif kind != services.SILENT and not note:
                self.add_error("change_note", _("Write the note readers will see."))
        return cleaned

    def change_for_readers(self):
        """``(kind, note)`` for ``services.publish``, or None."""
        kind = self.cleaned_data.get("change_kind")
        if not kind or not (self.instance.pk and self.instance.is_public):
            return None
        return kind, self.cleaned_data.get("change_note", "")


def _editable_state(request, obj):
    """The state the change form was opened on, kept on the request."""
    key = f"_editorial_state_{obj.pk}"
    if not hasattr(request, key):
        setattr(request, key, services.editable_state(obj))
    return getattr(request, key)


def _is_live(obj):
    return obj is not None and obj.pk and obj.status == Article.Status.PUBLISHED


def _is_saved(obj):
    return obj is not None and obj.pk is not None


class StateRowForm(forms.ModelForm):
    """A row of a saved article's inline: the rows submitted become the
    article's state (the draft of a live article, or a replacement of an
    unpublished one's rows), so repeating a stored row is no conflict.
    Duplicates within the submitted rows are still refused by the formset."""

    def _replaces_rows(self):
        article = getattr(self.instance, "article", None)
        return article is not None and article.pk is not None

    def validate_unique(self):
        if not self._replaces_rows():
            super().validate_unique()

    def validate_constraints(self):
        if not self._replaces_rows():
            super().validate_constraints()


class StateInlineMixin:
    """On a saved article the inline shows its working state (the draft of a
    live article, or the saved rows) as new rows: what is submitted becomes the
    state the desk stores, never written straight to a live article."""

    form = StateRowForm

    def state_rows(self, request, obj):
        raise NotImplementedError

    def get_extra(self, request, obj=None, **kwargs):
        if _is_saved(obj) and request.method != "POST":
            return max(len(self.state_rows(request, obj)) - (self.min_num or 0), 0)
        return super().get_extra(request, obj, **kwargs)


class AuthorshipInline(StateInlineMixin, admin.TabularInline):
    model = Authorship
    autocomplete_fields = ["author"]
    extra = 0
    min_num = 1
    fields = ["author", "position"]
    verbose_name = _("author")
    verbose_name_plural = _("authors (in byline order)")

    def state_rows(self, request, obj):
        authors = _editable_state(request, obj).get("authors", [])
        return [
            {"author": pk, "position": position} for position, pk in enumerate(authors)
        ]


class ReportInline(StateInlineMixin, admin.TabularInline):
    model = ReportArticle
    autocomplete_fields = ["report"]
    extra = 0
    fields = ["report", "position"]

    def state_rows(self, request, obj):
        reports = _editable_state(request, obj).get("reports", [])
        return [{"report": pk, "position": position} for pk, position in reports]


class StateFilter(admin.SimpleListFilter):
    """The workflow state as editors think of it, scheduled apart from live."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("review", _("In review")),
            ("changes", _("Changes requested")),
            ("scheduled", _("Scheduled")),
            ("live", _("Published")),
            ("live_draft", _("Published, with draft changes")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        live = Q(status=Article.Status.PUBLISHED, publish_at__lte=now)
        if value in {"draft", "review", "changes"}:
            return queryset.filter(
                Q(status=value)
                | Q(status=Article.Status.PUBLISHED, working_draft__review=value)
            )
        if value == "scheduled":
            return queryset.filter(
                Q(status=Article.Status.PUBLISHED, publish_at__gt=now)
                | Q(working_draft__go_live_at__isnull=False)
            )
        if value == "live":
            return queryset.filter(live)
        if value == "live_draft":
            return queryset.filter(live, working_draft__isnull=False)
        return queryset


class MineFilter(admin.SimpleListFilter):
    """Articles the editor created or is credited on."""

    title = _("whose")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Mine"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(
                Q(created_by=request.user) | Q(authorships__author__user=request.user)
            ).distinct()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    change_form_template = "editorial/admin/article_change_form.html"
    list_display = [
        "title",
        "thumbnail",
        "byline",
        "workflow_state",
        "publish_at",
        "region_list",
        "theme_list",
    ]
    list_display_links = ["title"]
    list_filter = [
        StateFilter,
        MineFilter,
        ("publish_at", admin.DateFieldListFilter),
        # Every region, theme, report and author (small tables), rather than
        # only those used: that asks DISTINCT over every article.
        "regions",
        "themes",
        "reports",
        "authors",
        "is_reprintable",
    ]
    search_fields = ["title", "standfirst"]
    search_help_text = _("Search titles, standfirsts and author names.")
    # No date_hierarchy: on SQLite its year list calls a Python function for
    # every article (about a second at 100,000); the date filter does the job.
    autocomplete_fields = ["regions", "themes"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "workflow_state",
        "publish_at",
        "image_preview",
        "created_at",
        "updated_at",
        "notices_pin",
    ]
    inlines = [AuthorshipInline, ReportInline]
    show_full_result_count = False
    list_per_page = 50
    actions = ["publish", "unpublish", "repin_notices"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "workflow_state",
                    "publish_at",
                    ("created_at", "updated_at"),
                ]
            },
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

    class Media:
        js = ["js/admin-editor.js", "js/article-desk.js"]
        css = {"all": ["css/editorial.css"]}

    # Who may do what ------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or permissions.can_edit(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            permissions.can_delete(request.user, obj)
        )

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    # The list ------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """Titles and standfirsts, and author names through EXISTS: a join on
        the authors would make the admin add DISTINCT over every column."""
        found, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip()
        if term:
            found |= queryset.filter(
                Exists(
                    Authorship.objects.filter(
                        article=OuterRef("pk"), author__name__icontains=term
                    )
                )
            )
        return found, may_have_duplicates

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("body")
            .select_related("working_draft")
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

    @admin.display(description=_("state"), ordering="status")
    def workflow_state(self, obj):
        return workflow_label(obj)

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

    # The form ------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        """A published article opens on its working draft, if it has one."""
        article = super().get_object(request, object_id, from_field)
        if article is None or article.status != Article.Status.PUBLISHED:
            return article
        draft = services.working_draft(article)
        if draft is None:
            return article
        request._editorial_draft = draft
        shown = article_from_state(article, draft.revision.state)
        shown.working_draft = draft
        return shown

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if _is_saved(obj):
            # Rows of the working state, shown as new rows: what comes back is
            # part of the state the desk stores (see state_from_form).
            kwargs["queryset"] = inline.model.objects.none()
            if request.method != "POST":
                kwargs["initial"] = inline.state_rows(request, obj)
        return kwargs

    def workflow_action(self, request):
        action = request.POST.get("_action", SAVE)
        if action not in ACTIONS:
            action = SAVE
        if action in PUBLISHER_ACTIONS and not self.has_publish_permission(request):
            raise PermissionDenied
        return action

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        hold = getattr(request, "_editorial_hold", None)
        if hold is not None:
            form = type(form.__name__, (form,), {"hold": hold})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        saved = None
        if object_id:
            saved = admin.ModelAdmin.get_object(self, request, unquote(object_id))
            if saved is not None and self.has_change_permission(request, saved):
                services.ensure_baseline(saved)
        if request.method == "POST":
            request._editorial_action = self.workflow_action(request)
            if saved is not None:
                self._check_conflict(request, saved)
        elif request.GET.get("restore") == "autosave":
            self._restore_autosave(request, saved)
        with services.desk():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _check_conflict(self, request, saved):
        """Stop a save made on top of a newer revision by someone else, unless
        the editor chose to save over it; "take theirs" copies a field of the
        newer revision into the typed form."""
        base = parse_number(request.POST.get("base_revision"))
        newer = collab.newer_by_others(saved, base, request.user)
        if not newer:
            return
        theirs = newer[-1]
        take = request.POST.get("_take")
        if take:
            request.POST = collab.take_theirs(request.POST, take, theirs.state)
        elif parse_number(request.POST.get("overwrite_revision")) == (theirs.number):
            request._editorial_overwrote = theirs
            return
        request._editorial_conflict = {"base": base, "theirs": theirs}
        request._editorial_hold = "conflict"

    def _restore_autosave(self, request, saved):
        """Show the editor's autosave in the form, as if just typed: the form
        is bound to it and held, so nothing is saved until they press a
        button."""
        autosave = collab.pending_autosave(request.user, saved)
        if autosave is None:
            return
        request.method = "POST"
        # Set both, or reading request.FILES would parse the (empty) body and
        # replace POST.
        request._files = MultiValueDict()
        request.POST = collab.as_querydict(autosave.data)
        request.POST.setlist("base_revision", [str(autosave.base_revision)])
        request._dont_enforce_csrf_checks = True  # a GET: nothing is written
        request._editorial_hold = "restore"
        request._editorial_restored = autosave

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        context.update(views.desk_context(self, request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.status = Article.Status.DRAFT
            obj.save()
        # A saved article is written by the desk in save_related: a live one
        # keeps its row (what readers see) and gets a draft.

    def save_related(self, request, form, formsets, change):
        article = form.instance
        user = request.user
        message = form.cleaned_data.get("revision_message", "")
        overwrote = getattr(request, "_editorial_overwrote", None)
        if overwrote is not None:
            message = _("Saved over revision %(number)s by %(name)s.") % {
                "number": overwrote.number,
                "name": overwrote.created_by or _("someone outside the editor"),
            } + (f" {message}" if message else "")
        collab.forget_autosave(user, article if change else None)
        if change:
            fallback = _editable_state(request, article)
            state = state_from_form(form, formsets, fallback)
            article = Article.objects.get(pk=article.pk)
            services.save(article, user=user, message=message, state=state)
        else:
            super().save_related(request, form, formsets, change)
            services.created(article, user=user, message=message)
        self.run_action(request, article, form)

    def run_action(self, request, article, form):
        action = getattr(request, "_editorial_action", SAVE)
        comment = form.cleaned_data.get("review_comment", "")
        change = form.change_for_readers()
        user = request.user
        article = Article.objects.get(pk=article.pk)
        try:
            if action == SUBMIT:
                services.submit(article, user=user, comment=comment)
                self.message_user(request, _("Sent for review."), messages.SUCCESS)
            elif action == PUBLISH:
                if services.publish(article, user=user, change=change) is None:
                    self.message_user(
                        request, _("Nothing new to publish."), messages.INFO
                    )
                else:
                    self.message_user(request, _("Published."), messages.SUCCESS)
            elif action == SCHEDULE:
                when = form.cleaned_data.get("schedule_at")
                services.schedule(article, user=user, when=when, change=change)
                self.message_user(request, _("Scheduled."), messages.SUCCESS)
            elif action == REQUEST_CHANGES:
                services.request_changes(article, user=user, comment=comment)
                self.message_user(request, _("Changes requested."), messages.SUCCESS)
            elif comment:
                services.comment(article, user=user, text=comment)
        except services.WorkflowError as error:
            # What was typed is saved; only the action did not happen.
            self.message_user(request, str(error), messages.WARNING)

    def response_add(self, request, obj, post_url_continue=None):
        if "_action" in request.POST:
            return self._back_to_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_action" in request.POST:
            return self._back_to_form(request, obj)
        return super().response_change(request, obj)

    def _back_to_form(self, request, obj):
        self.message_user(
            request,
            format_html(_("“{}” saved."), obj),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[obj.pk])
        )

    def construct_change_message(self, request, form, formsets, add=False):
        workflow = {
            "revision_message",
            "review_comment",
            "schedule_at",
            "change_kind",
            "change_note",
        }
        if not add:
            # The desk wrote the state (the revisions say what changed); a
            # live article's change is a draft.
            fields = [name for name in form.changed_data if name not in workflow]
            if _is_live(form.instance):
                fields.append("draft")
            return [{"changed": {"fields": fields}}]
        message = super().construct_change_message(request, form, formsets, add)
        for part in message:
            changed = part.get("changed")
            if changed:
                changed["fields"] = [f for f in changed["fields"] if f not in workflow]
        return message

    def delete_model(self, request, obj):
        services.delete(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.delete(article, user=request.user)

    def history_view(self, request, object_id, extra_context=None):
        return views.history(self, request, self._article_or_404(request, object_id))

    # Bulk actions ----------------------------------------------------------------

    @admin.action(
        description=_("Publish selected articles now"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        """Publish each article, or its draft. Drafts of articles readers have
        seen need the kind of change (and a note to readers): asked once for
        all of them on a confirmation page, as Django asks before deleting."""
        articles = list(queryset)
        changing = [
            article
            for article in articles
            if article.is_public and services.working_draft(article) is not None
        ]
        change = None
        if changing:
            form = BulkChangeForm(
                request.POST if "confirm_change" in request.POST else None
            )
            if not form.is_valid():
                return TemplateResponse(
                    request,
                    "editorial/admin/bulk_publish.html",
                    {
                        **self.admin_site.each_context(request),
                        "title": _("Publish the selected articles"),
                        "opts": self.opts,
                        "form": form,
                        "articles": articles,
                        "changing": changing,
                        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    },
                )
            change = form.cleaned_data["change"]
        changed = 0
        for article in articles:
            given = change if article in changing else None
            if services.publish(article, user=request.user, change=given) is not None:
                changed += 1
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", changed)
            % changed,
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish(self, request, queryset):
        changed = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            services.unpublish(article, user=request.user)
            changed += 1
        self.message_user(
            request,
            ngettext("%d article unpublished.", "%d articles unpublished.", changed)
            % changed,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Re-pin site notices to the current versions"),
        permissions=["publish"],
    )
    def repin_notices(self, request, queryset):
        changed = 0
        for article in queryset:
            services.repin_notices(article, user=request.user)
            changed += 1
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

    # The desk's own pages ----------------------------------------------------------

    def _article_or_404(self, request, object_id):
        """The saved article (never the draft copy) or 404 for any id,
        well-formed or not."""
        article = admin.ModelAdmin.get_object(self, request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404(_("No such article"))
        return article

    def get_urls(self):
        def view(func, suffix, route):
            def wrapped(request, object_id, **kwargs):
                article = self._article_or_404(request, object_id)
                return func(self, request, article, **kwargs)

            return path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(wrapped),
                name=f"articles_article_{suffix}",
            )

        def json(func, suffix, route):
            """A JSON endpoint of the page's script (see collab.json_view)."""

            def wrapped(request, object_id):
                article = self._article_or_404(request, object_id)
                if not self.has_change_permission(request, article):
                    raise PermissionDenied
                return func(request, article)

            return path(
                f"<path:object_id>/{route}",
                collab.json_view(wrapped),
                name=f"articles_article_{suffix}",
            )

        return [
            view(views.repin, "repin", "repin/"),
            view(views.compare, "compare", "compare/"),
            view(views.revision, "revision", "revisions/<int:number>/"),
            view(views.preview, "preview", "revisions/<int:number>/preview/"),
            view(views.restore, "restore", "revisions/<int:number>/restore/"),
            view(views.unpublish, "unpublish", "unpublish/"),
            view(views.unschedule, "unschedule", "unschedule/"),
            view(views.discard, "discard", "discard/"),
            # After revisions/<n>/preview/, which this route would also match.
            view(preview.unsaved, "preview_unsaved", "preview/"),
            view(preview.create_link, "preview_links", "preview-links/"),
            view(
                preview.revoke_link,
                "preview_link_revoke",
                "preview-links/<int:pk>/revoke/",
            ),
            path(
                "preview/",
                self.admin_site.admin_view(preview.for_add_form(self)),
                name="articles_article_preview_new",
            ),
            json(collab.heartbeat, "presence", "presence/"),
            json(collab.leave, "presence_leave", "presence/leave/"),
            json(collab.autosave, "autosave", "autosave/"),
            json(collab.discard_autosave, "autosave_discard", "autosave/discard/"),
            path(
                "autosave/",
                collab.json_view(collab.autosave),
                name="articles_article_autosave_new",
            ),
            path(
                "autosave/discard/",
                collab.json_view(collab.discard_autosave),
                name="articles_article_autosave_discard_new",
            ),
            path(
                "desk/session/",
                collab.json_view(collab.session),
                name="articles_article_session",
            ),
            path(
                "desk/relogged/",
                self.admin_site.admin_view(views.relogged),
                name="articles_article_relogged",
            ),
            *super().get_urls(),
        ]


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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who published, unpublished, scheduled, deleted, restored and requested
    changes; read only."""

    list_display = ["created_at", "user", "action", "article_link", "note"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["article_title", "note", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "article"]
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("article"), ordering="article_title")
    def article_link(self, obj):
        if obj.article_id is None:
            return obj.article_title
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_change", args=[obj.article_id]),
            obj.article_title,
        )
