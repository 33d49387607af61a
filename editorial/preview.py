"""Previews of what is not yet published.

- The *Preview* button of the article form posts the form as it stands (fields,
  files, inlines) to :func:`unsaved`, which renders it with the public article
  template in a new tab and stores nothing: the form is validated as the admin
  would, the state built in memory, and the work runs in a transaction that is
  rolled back. A newly chosen image is not stored, so the preview keeps the
  current one and says so.
- A *preview link* (:class:`~editorial.models.PreviewLink`) lets anyone with
  its address read one revision: the address carries the link's key signed
  with the secret key (no guessing, no tampering); the row gives each link its
  expiry and lets editors revoke it. :func:`shared` is the public page.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.formsets import all_valid
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from articles.views import ArticleDetailView

from . import permissions, services
from .models import (
    PREVIEW_DEFAULT_DAYS,
    PREVIEW_MAX_DAYS,
    PREVIEW_SALT,
    PreviewLink,
)
from .state import IMAGE_FIELD, RELATIONS, article_from_state, state_from_form

NOINDEX = "noindex, nofollow"
NO_STORE = "private, no-store"
# The revisions compared with the article's state to find the one it shows.
RECENT_REVISIONS = 20


def _private(response):
    """Headers every preview sends: not for search engines or shared caches."""
    response["X-Robots-Tag"] = NOINDEX
    response["Cache-Control"] = NO_STORE
    return response


# The Preview button ----------------------------------------------------------------


class RevisionPreview(ArticleDetailView):
    """A revision rendered with the public article template, under a banner."""

    template_name = "articles/article_detail.html"

    def get_object(self, queryset=None):
        return self.kwargs["shown"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview_banner"] = self.kwargs["banner"]
        context["noindex"] = True
        return context


class UnsavedPreview(RevisionPreview):
    """The form's state, posted by the Preview button."""

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


def _blank_state():
    """The state of a new article before anything is typed."""
    return {
        **{name: [] for name in RELATIONS},
        IMAGE_FIELD: "",
        "featured_image_renditions": [],
    }


def _form_errors(form, formsets):
    """``(label, [messages])`` for each field or row with an error."""
    rows = [
        (
            form.fields[name].label if name in form.fields else _("The article"),
            list(errors),
        )
        for name, errors in form.errors.items()
    ]
    for formset in formsets:
        title = formset.model._meta.verbose_name_plural
        if formset.non_form_errors():
            rows.append((title, list(formset.non_form_errors())))
        for number, errors in enumerate(formset.errors, start=1):
            for name, problems in errors.items():
                field = formset.form.base_fields.get(name)
                label = field.label if field and field.label else name
                where = _("%(rows)s, row %(number)s: %(field)s") % {
                    "rows": title,
                    "number": number,
                    "field": label,
                }
                rows.append((where, list(problems)))
    return rows


def unsaved(model_admin, request, article=None):
    """Render the posted article form (``article`` is None for the add form)
    without saving anything."""
    user = request.user
    if article is None:
        allowed = model_admin.has_add_permission(request)
        back = reverse("admin:articles_article_add")
    else:
        allowed = model_admin.has_change_permission(request, article)
        back = reverse("admin:articles_article_change", args=[article.pk])
    if not (allowed and permissions.can_preview(user)):
        raise PermissionDenied
    if request.method != "POST":
        return redirect(back)
    with transaction.atomic():
        response = _render_unsaved(model_admin, request, article)
        response.render()
        # Nothing above should write; if anything did, it is undone.
        transaction.set_rollback(True)
    return _private(response)


def _render_unsaved(model_admin, request, saved):
    change = saved is not None
    # The form the admin shows: a live article's opens on its working draft.
    obj = model_admin.get_object(request, unquote(str(saved.pk))) if change else None
    current_image = obj.featured_image.name if obj and obj.featured_image else ""
    current_renditions = list(obj.featured_image_renditions or []) if obj else []

    form_class = model_admin.get_form(request, obj, change=change)
    form = form_class(request.POST, request.FILES, instance=obj)
    formsets, _inlines = model_admin._create_formsets(
        request, form.instance, change=change
    )
    form_valid = form.is_valid()
    if not (all_valid(formsets) and form_valid):
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": _("The preview could not be shown"),
            "errors": _form_errors(form, formsets),
        }
        return TemplateResponse(request, "editorial/admin/preview_errors.html", context)

    instance = form.instance
    image = getattr(instance, IMAGE_FIELD)
    new_image = bool(image) and not image._committed
    if new_image:
        # Storing the upload would be a write: show the current image instead.
        setattr(instance, IMAGE_FIELD, current_image)
        instance.featured_image_renditions = current_renditions
    fallback = services.editable_state(saved) if change else _blank_state()
    state = state_from_form(form, formsets, fallback)
    shown = article_from_state(saved if change else instance, state)
    if shown.pk is None:
        # Relations refuse an article without an id, even when they answer
        # from memory as here; no row has id 0, and nothing is written.
        shown.pk = 0

    banner = _("Preview of unsaved changes. Nothing has been saved.")
    if new_image:
        banner += " " + _(
            "The new image shows after saving; this preview shows the current one."
        )
    view = UnsavedPreview.as_view()
    return view(request, slug=shown.slug, shown=shown, banner=banner)


def for_add_form(model_admin):
    """The view behind the add form's Preview button."""

    def view(request):
        return unsaved(model_admin, request)

    return view


# Preview links -----------------------------------------------------------------


class SharedPreview(RevisionPreview):
    """A revision for whoever has the link: always rendered, never a 304."""

    def dispatch(self, request, *args, **kwargs):
        # ArticleDetailView's conditional GET and public caching are for
        # public pages; this one is private to the link.
        return DetailView.dispatch(self, request, *args, **kwargs)


def _gone(request):
    response = TemplateResponse(
        request,
        "editorial/preview_gone.html",
        {"page_title": _("This preview link no longer works"), "noindex": True},
        status=410,
    )
    return _private(response)


def shared(request, signed):
    """The page behind a preview link: 404 for an address that was never a
    link, 410 for a link that expired or was revoked."""
    signer = signing.TimestampSigner(salt=PREVIEW_SALT)
    try:
        key = signer.unsign(signed, max_age=timedelta(days=PREVIEW_MAX_DAYS + 1))
    except signing.SignatureExpired:
        return _gone(request)
    except signing.BadSignature:
        raise Http404(_("No such preview")) from None
    link = (
        PreviewLink.objects.select_related("revision__article", "created_by")
        .filter(key=key)
        .first()
    )
    if link is None:
        raise Http404(_("No such preview"))
    if not link.is_active():
        return _gone(request)
    revision = link.revision
    article = revision.article
    shown = article_from_state(article, revision.state)
    who = link.created_by
    name = (who.get_full_name() or who.get_username()) if who else _("the editors")
    banner = _(
        "Preview shared by %(name)s — not yet published; this link expires on %(when)s."
    ) % {
        "name": name,
        "when": date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT"),
    }
    view = SharedPreview.as_view()
    response = view(request, slug=shown.slug, shown=shown, banner=banner)
    # The key is in the address: keep it out of Referer headers.
    response["Referrer-Policy"] = "no-referrer"
    return _private(response)


def revision_to_share(article):
    """The revision the change form shows: the working draft of a live
    article, else the newest revision holding the article as saved (the latest
    if none does)."""
    draft = services.working_draft(article)
    if draft is not None:
        return draft.revision
    recent = list(article.revisions.order_by("-number")[:RECENT_REVISIONS])
    if not recent:
        return None
    current = services.editable_state(article)
    return next((r for r in recent if r.state == current), recent[0])


class ShareForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Days the link works"),
        required=False,
        min_value=1,
        max_value=PREVIEW_MAX_DAYS,
        initial=PREVIEW_DEFAULT_DAYS,
    )


def share_context(request, article):
    """The change form's "Share a preview" section."""
    if not permissions.can_edit(request.user, article):
        return None
    links = (
        PreviewLink.objects.active()
        .filter(revision__article=article)
        .select_related("revision", "created_by")
    )
    return {
        "revision": revision_to_share(article),
        "form": ShareForm(auto_id="id_share_%s"),
        "create_url": reverse(
            "admin:articles_article_preview_links", args=[article.pk]
        ),
        "links": [
            {
                "link": link,
                "url": request.build_absolute_uri(link.get_absolute_url()),
                "revoke_url": reverse(
                    "admin:articles_article_preview_link_revoke",
                    args=[article.pk, link.pk],
                ),
            }
            for link in links
        ],
    }


def _back(article):
    url = reverse("admin:articles_article_change", args=[article.pk])
    return redirect(f"{url}#share-preview")


def create_link(model_admin, request, article):
    """A new link to the revision the form shows."""
    if not permissions.can_edit(request.user, article):
        raise PermissionDenied
    if request.method != "POST":
        return _back(article)
    form = ShareForm(request.POST)
    if not form.is_valid():
        model_admin.message_user(
            request,
            _("Choose between 1 and %(max)s days.") % {"max": PREVIEW_MAX_DAYS},
            messages.ERROR,
        )
        return _back(article)
    services.ensure_baseline(article)
    revision = revision_to_share(article)
    now = timezone.now()
    link = PreviewLink.objects.create(
        revision=revision,
        created_by=request.user,
        created_at=now,
        expires_at=now
        + timedelta(days=form.cleaned_data["days"] or PREVIEW_DEFAULT_DAYS),
    )
    model_admin.message_user(
        request,
        _(
            "Preview link to revision %(number)s created; it works until %(when)s: "
            "%(url)s"
        )
        % {
            "number": revision.number,
            "when": date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT"),
            "url": request.build_absolute_uri(link.get_absolute_url()),
        },
        messages.SUCCESS,
    )
    return _back(article)


def revoke_link(model_admin, request, article, pk):
    if not permissions.can_edit(request.user, article):
        raise PermissionDenied
    if request.method != "POST":
        return _back(article)
    link = get_object_or_404(PreviewLink, pk=pk, revision__article=article)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    model_admin.message_user(
        request, _("The preview link no longer works."), messages.SUCCESS
    )
    return _back(article)
