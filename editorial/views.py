"""The desk's pages in the article admin: history, compare, one revision, its
preview, restore, and the confirmations for unpublish, unschedule, discard and
re-pin. ``ArticleAdmin.get_urls`` routes them; each receives the saved article,
already checked to exist and be visible to the user."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article
from publication.numbers import parse_number

from . import collab, permissions, services
from .diff import compare as compare_states
from .labels import workflow_label
from .models import AuditEntry, Comment, Revision
from .state import article_from_state, state_of


def _url(name, article, *args):
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


def _context(model_admin, request, article, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "original": article,
        "article": article,
        "change_url": _url("change", article),
        "history_url": _url("history", article),
        **extra,
    }


def _revision(article, number):
    return get_object_or_404(Revision, article=article, number=number)


def desk_context(model_admin, request, obj):
    """What the change form shows about the workflow: where the article
    stands, which actions this user may take, the review comments."""
    user = request.user
    if obj is None or obj.pk is None:
        return {
            "desk": {
                "is_new": True,
                "can_edit": permissions.can_edit(user),
                "can_publish": permissions.can_publish(user),
                **together_context(request, None, dict),
            }
        }
    from .preview import share_context

    article = Article.objects.get(pk=obj.pk)
    draft = services.working_draft(article)
    article.working_draft = draft
    is_live = article.status == Article.Status.PUBLISHED
    latest = article.revisions.order_by("-number").first()
    live = services.live_revision(article)
    review = draft.review if draft else article.status
    compare_url = None
    if draft is not None and live is not None:
        compare_url = (
            f"{_url('compare', article)}?a={live.number}&b={draft.revision.number}"
        )
    return {
        "desk": {
            "is_new": False,
            "label": workflow_label(article),
            "is_live": is_live,
            "is_public": article.is_public,
            "is_scheduled": article.is_scheduled,
            "draft": draft,
            "review": review,
            "in_review": review == Article.Status.REVIEW,
            "can_edit": permissions.can_edit(user, article),
            "can_publish": permissions.can_publish(user),
            "can_comment": permissions.can_comment(user, article),
            "latest": latest,
            "live": live,
            "compare_url": compare_url,
            "history_url": _url("history", article),
            "preview_url": _url("preview", article, latest.number) if latest else None,
            "unpublish_url": _url("unpublish", article),
            "unschedule_url": _url("unschedule", article),
            "discard_url": _url("discard", article),
            "comments": Comment.objects.filter(article=article).select_related(
                "author"
            ),
            "share": share_context(request, article),
            **together_context(
                request,
                article,
                # Only read when an autosave is there to compare with.
                lambda: draft.revision.state if draft else state_of(article),
            ),
        }
    }


def together_context(request, article, current_state):
    """Who else is here, the autosave on offer, the conflict being shown, and
    the addresses the page's script talks to. ``current_state()`` gives the
    state the form shows, for the autosave's differences."""
    user = request.user
    if article is None:
        urls = {
            "autosave": reverse("admin:articles_article_autosave_new"),
            "discard": reverse("admin:articles_article_autosave_discard_new"),
        }
    else:
        urls = {
            "autosave": _url("autosave", article),
            "discard": _url("autosave_discard", article),
            "presence": _url("presence", article),
            "leave": _url("presence_leave", article),
        }
    urls["session"] = reverse("admin:articles_article_session")
    context = {"urls": urls, "heartbeat": collab.HEARTBEAT_SECONDS}
    if article is not None:
        context["others"] = collab.present_others(article, user)
    restored = getattr(request, "_editorial_restored", None)
    if restored is not None:
        context["restored"] = restored
    else:
        autosave = collab.pending_autosave(user, article)
        if autosave is not None:
            current = current_state()
            changes = compare_states(
                current, collab.state_from_data(autosave.data, current)
            )
            if changes:
                context["autosave"] = {"saved": autosave, "changes": changes}
    conflict = getattr(request, "_editorial_conflict", None)
    if conflict is not None and article is not None:
        theirs = conflict["theirs"]
        base = article.revisions.filter(number=conflict["base"]).first()
        base_state = base.state if base else {}
        yours = collab.state_from_data(request.POST, base_state)
        their_changes = compare_states(base_state, theirs.state)
        context["conflict"] = {
            "theirs": theirs,
            "base": conflict["base"],
            "their_changes": their_changes,
            "your_changes": compare_states(base_state, yours),
            "takeable": [
                change for change in their_changes if change.field in collab.TAKEABLE
            ],
        }
    return context


def history(model_admin, request, article):
    """Every revision, newest first, with the live one and the draft marked,
    who published what, and a form to compare any two."""
    revisions = list(
        article.revisions.select_related("created_by", "published_by").order_by(
            "-number"
        )
    )
    draft = services.working_draft(article)
    live = services.live_revision(article)
    for revision in revisions:
        revision.is_live = live is not None and revision.pk == live.pk
        revision.is_draft = draft is not None and revision.pk == draft.revision_id
    entries = AuditEntry.objects.filter(article=article).select_related("user")[:200]
    context = _context(
        model_admin,
        request,
        article,
        _("History: %(title)s") % {"title": article.title},
        revisions=revisions,
        entries=entries,
        compare_url=_url("compare", article),
        can_edit=permissions.can_edit(request.user, article),
    )
    return TemplateResponse(request, "editorial/admin/history.html", context)


def _number(request, name):
    number = parse_number(request.GET.get(name))
    if number is None:
        raise Http404(_("Choose two revisions to compare."))
    return number


def compare(model_admin, request, article):
    """Two revisions field by field: ``?a=<older>&b=<newer>``."""
    first = _revision(article, _number(request, "a"))
    second = _revision(article, _number(request, "b"))
    if first.number > second.number:
        first, second = second, first
    context = _context(
        model_admin,
        request,
        article,
        _("Compare revisions %(a)s and %(b)s")
        % {"a": first.number, "b": second.number},
        first=first,
        second=second,
        changes=compare_states(first.state, second.state),
    )
    return TemplateResponse(request, "editorial/admin/compare.html", context)


def revision(model_admin, request, article, number):
    """One revision: what changed from the one before, and restore."""
    current = _revision(article, number)
    previous = article.revisions.filter(number__lt=number).order_by("-number").first()
    context = _context(
        model_admin,
        request,
        article,
        _("Revision %(number)s") % {"number": number},
        revision=current,
        previous=previous,
        changes=compare_states(previous.state if previous else {}, current.state),
        can_edit=permissions.can_edit(request.user, article),
        restore_url=_url("restore", article, number),
        preview_url=_url("preview", article, number),
    )
    return TemplateResponse(request, "editorial/admin/revision.html", context)


def preview(model_admin, request, article, number):
    if not permissions.can_preview(request.user):
        raise PermissionDenied
    current = _revision(article, number)
    shown = article_from_state(article, current.state)
    banner = _("Preview of revision %(number)s (%(when)s). Readers do not see it.") % {
        "number": number,
        "when": current.created_at.strftime("%Y-%m-%d %H:%M"),
    }
    from .preview import RevisionPreview

    view = RevisionPreview.as_view()
    response = view(request, slug=article.slug, shown=shown, banner=banner)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


def _confirm(model_admin, request, article, *, title, text, button, done, action):
    """A confirmation page; on POST run ``action`` and go back to the form."""
    if request.method == "POST":
        try:
            action()
        except services.WorkflowError as error:
            model_admin.message_user(request, str(error), messages.WARNING)
        else:
            model_admin.message_user(request, done, messages.SUCCESS)
        return redirect(_url("change", article))
    context = _context(model_admin, request, article, title, text=text, button=button)
    return TemplateResponse(request, "editorial/admin/confirm.html", context)


def restore(model_admin, request, article, number):
    if not permissions.can_edit(request.user, article):
        raise PermissionDenied
    old = _revision(article, number)
    live = article.status == Article.Status.PUBLISHED
    return _confirm(
        model_admin,
        request,
        article,
        title=_("Restore revision %(number)s") % {"number": number},
        text=(
            _(
                "Revision %(number)s becomes the working draft. Readers keep "
                "seeing the live article until it is published."
            )
            if live
            else _(
                "Revision %(number)s becomes the article's text. Nothing is "
                "lost: the present text stays in the history."
            )
        )
        % {"number": number},
        button=_("Restore as draft"),
        done=_("Revision %(number)s restored as the draft.") % {"number": number},
        action=lambda: services.restore(article, old, user=request.user),
    )


def unpublish(model_admin, request, article):
    if not permissions.can_publish(request.user):
        raise PermissionDenied
    return _confirm(
        model_admin,
        request,
        article,
        title=_("Unpublish"),
        text=_(
            "“%(title)s” goes back to draft: readers get “page not found” at its "
            "address, and it leaves the listings, feeds and search."
        )
        % {"title": article.title},
        button=_("Unpublish"),
        done=_("Unpublished."),
        action=lambda: services.unpublish(article, user=request.user),
    )


def unschedule(model_admin, request, article):
    if not permissions.can_publish(request.user):
        raise PermissionDenied
    return _confirm(
        model_admin,
        request,
        article,
        title=_("Cancel the schedule"),
        text=_("Nothing is published at the scheduled time; the text stays."),
        button=_("Cancel the schedule"),
        done=_("Schedule cancelled."),
        action=lambda: services.unschedule(article, user=request.user),
    )


def discard(model_admin, request, article):
    if not permissions.can_edit(request.user, article):
        raise PermissionDenied
    return _confirm(
        model_admin,
        request,
        article,
        title=_("Discard the draft"),
        text=_(
            "The draft changes are set aside and the form shows the live article "
            "again. The draft stays in the history, from where it can be restored."
        ),
        button=_("Discard the draft"),
        done=_("Draft discarded."),
        action=lambda: services.discard_draft(article, user=request.user),
    )


def repin(model_admin, request, article):
    if not permissions.can_publish(request.user):
        raise PermissionDenied
    return _confirm(
        model_admin,
        request,
        article,
        title=_("Re-pin site notices"),
        text=_(
            "“%(title)s” will show the site notices in force now (disclaimer, "
            "reprint terms, note to readers, fair-use notice, media contact) "
            "instead of those pinned to it."
        )
        % {"title": article.title},
        button=_("Re-pin to the current versions"),
        done=_("The article now shows the current site notices."),
        action=lambda: services.repin_notices(article, user=request.user),
    )


def relogged(request):
    """Where logging in again in another tab lands: the editor goes back to the
    tab they were typing in (its script sees the new session)."""
    from django.contrib import admin

    return TemplateResponse(
        request,
        "editorial/admin/relogged.html",
        {**admin.site.each_context(request), "title": _("You are logged in again")},
    )


def waiting_for(user):
    """What waits for this user on the admin index: (label, count, url)."""
    changelist = reverse("admin:articles_article_changelist")
    rows = []
    if permissions.can_publish(user):
        count = Article.objects.filter(status=Article.Status.REVIEW).count()
        count += Article.objects.filter(working_draft__review="review").count()
        rows.append((gettext_lazy("In review"), count, f"{changelist}?state=review"))
    mine = Article.objects.filter(created_by=user) | Article.objects.filter(
        authorships__author__user=user
    )
    changes = (
        mine.filter(status=Article.Status.CHANGES).distinct().count()
        + mine.filter(working_draft__review="changes").distinct().count()
    )
    rows.append(
        (
            gettext_lazy("Changes requested of you"),
            changes,
            f"{changelist}?state=changes&mine=1",
        )
    )
    return rows


def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" (``/admin/r/<type>/<id>/``), for those who may
    see that kind of object in the admin. Anyone else gets 404: the redirect
    would tell them an unpublished article's address."""
    type_id = parse_number(content_type_id)
    if type_id is None:
        raise Http404
    try:
        content_type = ContentType.objects.get_for_id(type_id)
    except ContentType.DoesNotExist:
        raise Http404 from None
    label, model = content_type.app_label, content_type.model
    user = request.user
    if not (
        user.has_perm(f"{label}.view_{model}")
        or user.has_perm(f"{label}.change_{model}")
    ):
        raise Http404
    return shortcut(request, content_type.pk, object_id)
