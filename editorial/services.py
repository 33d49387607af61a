"""The editorial workflow's writes: save, submit, request changes, publish,
schedule, unpublish, discard, restore, delete, re-pin.

Every way in — the change form, bulk actions, crafted POSTs, importers, the API,
the shell — calls these. Each checks the user's right (``permissions``), writes
in one transaction, stores a revision where the content changed, logs the
action in the audit log and queues the e-mails after commit.

The article row is the live version. While an article is published (or
scheduled), saving it stores a *working draft* (a revision and a ``Draft``
pointing at it) and leaves the row alone; publishing the draft writes it onto
the row through ``articles.services``. An unpublished article has no readers, so
the row itself is its working copy and each save records a revision of it.
"""

import contextlib
import contextvars

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import services as article_services
from articles.models import Article, Correction

from . import due, notify, permissions
from .models import AuditEntry, Comment, Draft, Revision
from .state import apply_state, state_of

Action = AuditEntry.Action
Review = Draft.Review

_desk = contextvars.ContextVar("editorial_desk", default=False)


class WorkflowError(Exception):
    """An action that cannot be done in the article's present state; the
    message says why, for the editor."""


@contextlib.contextmanager
def desk():
    """Writes made here record their own revisions: the catch-all that records
    saves from the shell (``editorial.signals``) stands aside."""
    token = _desk.set(True)
    try:
        yield
    finally:
        _desk.reset(token)


def at_desk():
    return _desk.get()


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


# Reading ---------------------------------------------------------------------


def working_draft(article):
    """The working draft of a live article, or None."""
    return Draft.objects.select_related("revision").filter(article=article).first()


def editable_state(article):
    """What the change form opens on: the draft of a live article if there is
    one, else the article as saved."""
    draft = working_draft(article)
    return draft.revision.state if draft else state_of(article)


def live_revision(article):
    """The revision readers see now, if the article is public."""
    if not article.is_public:
        return None
    return (
        article.revisions.filter(published_at__lte=timezone.now())
        .order_by("-published_at", "-number")
        .first()
    )


def submitter(article):
    """Who last sent the article for review (they hear what became of it)."""
    entry = (
        AuditEntry.objects.filter(article=article, action=Action.SUBMITTED)
        .select_related("user")
        .order_by("-created_at", "-pk")
        .first()
    )
    return entry.user if entry else None


# Revisions -------------------------------------------------------------------


def record(
    article,
    *,
    user=None,
    message="",
    state=None,
    restored_from=None,
    first=False,
    published_at=None,
    published_by=None,
):
    """Store a revision of ``article`` (its saved state unless ``state`` is
    given), numbered after the last one. ``first``: the article was created in
    this transaction, so no other can have numbered one yet (one query)."""
    fields = {
        "article": article,
        "created_by": user if user and user.is_authenticated else None,
        "message": message[:300],
        "state": state_of(article) if state is None else state,
        "restored_from": restored_from,
        "published_at": published_at,
        "published_by": published_by,
    }
    if first:
        return Revision.objects.create(number=1, **fields)
    for _attempt in range(5):
        number = (article.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                return Revision.objects.create(number=number, **fields)
        except IntegrityError:
            continue  # another save took the number: take the next
    raise IntegrityError("Could not number the revision")


def ensure_baseline(article):
    """An article from before revisions were kept gets one of its saved state
    first, so the first edit can be compared with what was there."""
    if article.pk is None or article.revisions.exists():
        return None
    with desk():
        revision = record(
            article, message=_("As it was before the first revision was kept")
        )
        if article.is_public:
            revision.published_at = article.publish_at
            revision.save(update_fields=["published_at"])
    return revision


def _not_going_live(revision_id):
    """A scheduled revision that will not go live after all (bookkeeping of
    the history; readers see the article row, not this)."""
    Revision.objects.filter(pk=revision_id).update(published_at=None, published_by=None)


def _latest(article):
    return article.revisions.order_by("-number").first()


def _log(article, action, user, *, revision=None, note=""):
    return AuditEntry.objects.create(
        article=article,
        article_title=article.title[:300],
        revision=revision,
        action=action,
        user=user if user and user.is_authenticated else None,
        note=note[:500],
    )


# Public notes on changes ------------------------------------------------------

SILENT = "silent"  # a typo fixed: no note to readers
CHANGE_KINDS = [*Correction.Kind.values, SILENT]


def check_change(change):
    """``(kind, note)`` as :func:`publish` takes it, stripped, or
    :class:`WorkflowError`: a correction, a clarification or an update needs a
    note to readers; a silent fix needs none."""
    if change is None:
        return None
    kind, note = change
    note = (note or "").strip()
    if kind not in CHANGE_KINDS:
        raise WorkflowError(_("Say what kind of change this is."))
    if kind != SILENT and not note:
        raise WorkflowError(_("Write the note readers will see with the change."))
    return kind, note


def _change_summary(change):
    """The change's kind and note, for the audit log."""
    if change is None:
        return ""
    kind, note = change
    if kind == SILENT:
        return _("Silent fix")
    return f"{Correction.Kind(kind).label}: {note}"


def _pending_notes(article, now):
    """Notes of a scheduled change to the article not shown yet."""
    return Correction.objects.filter(article=article, published_at__gt=now)


def _note_change(article, revision, change, *, user, when):
    """Store the public note of a change to a live article, shown from
    ``when``; it replaces the note of a change scheduled before. Without
    ``change`` a scheduled note is kept and moved to ``when``; a silent fix
    stores nothing."""
    pending = _pending_notes(article, timezone.now())
    if change is None:
        for correction in pending:
            correction.published_at = when
            correction.revision_number = revision.number
            correction.save(update_fields=["published_at", "revision_number"])
        return
    pending.delete()
    kind, note = change
    if kind != SILENT:
        Correction.objects.create(
            article=article,
            kind=kind,
            note=note,
            published_at=when,
            revision_number=revision.number,
            created_by=user if user and user.is_authenticated else None,
        )


def _comment(article, user, text, revision=None):
    text = (text or "").strip()
    if text:
        return Comment.objects.create(
            article=article, author=user, text=text, revision=revision
        )
    return None


# Editing ---------------------------------------------------------------------


@transaction.atomic
def save(article, *, user, message="", state=None):
    """An editor saved the article with ``state``, what they typed. For a live
    (or scheduled) article it becomes the working draft and readers see no
    change; an unpublished one is written (no one reads it yet). Returns the
    revision, or None when nothing changed."""
    _require(permissions.can_edit(user, article), _("You may not edit this article."))
    with desk():
        ensure_baseline(article)
        if article.status == Article.Status.PUBLISHED:
            if state is None:
                raise ValueError("Saving a live article needs the state to store.")
            draft = working_draft(article)
            base = draft.revision.state if draft else state_of(article)
            if state == base and not message:
                return None
            revision = record(article, user=user, message=message, state=state)
            review = draft.review if draft else Review.DRAFT
            Draft.objects.update_or_create(
                article=article,
                defaults={
                    "revision": revision,
                    "review": Review.DRAFT if review == Review.CHANGES else review,
                },
            )
            return revision
        state = state_of(article) if state is None else apply_state(article, state)
        latest = _latest(article)
        revision = None
        if latest is None or latest.state != state or message:
            revision = record(article, user=user, message=message, state=state)
        if revision is not None and article.status == Article.Status.CHANGES:
            # Changes requested, then made: back to draft until resubmitted.
            article_services.set_review_state(article, Article.Status.DRAFT)
        return revision


@transaction.atomic
def created(article, *, user, message=""):
    """A new article was saved for the first time (a draft)."""
    with desk():
        if article.created_by_id is None and user.is_authenticated:
            article.created_by = user
            article.save(update_fields=["created_by"])
        return record(article, user=user, message=message or _("Created"))


@transaction.atomic
def arrived(article, state, *, user, publish_at=None, publish=False, message=""):
    """A new article arriving from another system (an importer) with its
    ``state``: written once, with one revision and one audit entry. With
    ``publish`` it is published at ``publish_at`` (its date on the old site;
    a future time schedules it), else it is a draft."""
    if publish:
        _require(permissions.can_publish(user), _("Only publishers can publish."))
    with desk():
        article.created_by = user if user.is_authenticated else None
        if publish:
            article_services.publish(article, when=publish_at, save=False)
        written = apply_state(article, state)
        revision = record(
            article,
            user=user,
            message=message or _("Created"),
            state=written,
            first=True,
            published_at=max(article.publish_at, timezone.now()) if publish else None,
            published_by=user if publish else None,
        )
        if publish:
            action = Action.SCHEDULED if article.is_scheduled else Action.PUBLISHED
            _log(article, action, user, revision=revision, note=message)
    return revision


@transaction.atomic
def submit(article, *, user, comment=""):
    """Send the article (or the draft of a live one) for review; publishers
    are told by e-mail."""
    _require(permissions.can_edit(user, article), _("You may not submit this article."))
    with desk():
        if article.status == Article.Status.PUBLISHED:
            draft = working_draft(article)
            if draft is None:
                raise WorkflowError(
                    _("There are no draft changes to submit: edit the article first.")
                )
            draft.review = Review.REVIEW
            draft.save(update_fields=["review", "updated_at"])
            revision = draft.revision
        else:
            article_services.set_review_state(article, Article.Status.REVIEW)
            revision = _latest(article) or record(article, user=user)
        _comment(article, user, comment, revision)
        _log(article, Action.SUBMITTED, user, revision=revision, note=comment)
        notify.submitted(article, user, comment)
    return revision


@transaction.atomic
def request_changes(article, *, user, comment):
    """A publisher sends the article back with a comment saying what to change;
    whoever submitted it is told."""
    _require(permissions.can_publish(user), _("Only publishers can request changes."))
    if not (comment or "").strip():
        raise WorkflowError(_("Say what should change: write a comment."))
    with desk():
        if article.status == Article.Status.PUBLISHED:
            draft = working_draft(article)
            if draft is None:
                raise WorkflowError(_("There are no draft changes to review."))
            draft.review = Review.CHANGES
            draft.save(update_fields=["review", "updated_at"])
            revision = draft.revision
        else:
            article_services.set_review_state(article, Article.Status.CHANGES)
            revision = _latest(article)
        _comment(article, user, comment, revision)
        _log(article, Action.CHANGES_REQUESTED, user, revision=revision, note=comment)
        notify.changes_requested(article, user, comment, submitter(article))
    return revision


def comment(article, *, user, text):
    _require(
        permissions.can_comment(user, article),
        _("You may not comment on this article."),
    )
    return _comment(article, user, text, _latest(article))


# Publishing ------------------------------------------------------------------


@transaction.atomic
def publish(article, *, user, when=None, note="", change=None):
    """Publish the article now — the draft of a live article, or the article
    itself — or at ``when`` if that is in the future (see :func:`schedule`).
    Returns the revision that went live, or None when there was nothing to
    publish (a live article without draft changes).

    ``change`` is ``(kind, note)`` for a change to a public article: a
    correction, clarification or update stores its note to readers
    (``articles.Correction``) with the revision; ``SILENT`` stores nothing
    public. The change form asks for it; other callers that pass nothing add
    no note. An article readers have not seen needs no note."""
    _require(permissions.can_publish(user), _("Only publishers can publish."))
    change = check_change(change)
    now = timezone.now()
    if when is not None and when > now:
        return schedule(article, user=user, when=when, change=change)
    with desk():
        article = Article.objects.select_for_update().get(pk=article.pk)
        ensure_baseline(article)
        draft = working_draft(article)
        if article.is_public and draft is None:
            return None
        was_public = article.is_public
        if draft is not None:
            apply_state(article, draft.revision.state)
            revision = draft.revision
            draft.delete()
        else:
            revision = _latest(article) or record(article, user=user)
        article.pending_change_at = None
        article_services.publish(article)
        revision.published_at = now
        revision.published_by = user
        revision.save(update_fields=["published_at", "published_by"])
        if was_public:
            _note_change(article, revision, change, user=user, when=now)
            note = " · ".join(part for part in (note, _change_summary(change)) if part)
        _log(article, Action.PUBLISHED, user, revision=revision, note=note)
        who = submitter(article)
        if who is not None and who != user:
            notify.published(article, user, who)
    return revision


@transaction.atomic
def schedule(article, *, user, when, change=None):
    """Publish at ``when``. An article readers cannot see yet gets that
    publication time (``published()`` shows it once the time has passed); the
    draft of a live article replaces the live text at that time (see
    :func:`apply_due_changes`), and the note of ``change`` (see
    :func:`publish`) appears with it."""
    _require(permissions.can_publish(user), _("Only publishers can schedule."))
    change = check_change(change)
    if when is None or when <= timezone.now():
        raise WorkflowError(_("Choose a time in the future to schedule."))
    with desk():
        article = Article.objects.select_for_update().get(pk=article.pk)
        ensure_baseline(article)
        draft = working_draft(article)
        if article.is_public:
            if draft is None:
                raise WorkflowError(
                    _("There are no draft changes to schedule: edit the article first.")
                )
            draft.go_live_at = when
            draft.save(update_fields=["go_live_at", "updated_at"])
            article.pending_change_at = when
            article.save(update_fields=["pending_change_at", "updated_at"])
            revision = draft.revision
            _note_change(article, revision, change, user=user, when=when)
        else:
            if draft is not None:  # edits to a scheduled article: not public yet
                apply_state(article, draft.revision.state)
                revision = draft.revision
                draft.delete()
            else:
                revision = _latest(article) or record(article, user=user)
            article_services.publish(article, when=when)
        revision.published_at = when
        revision.published_by = user
        revision.save(update_fields=["published_at", "published_by"])
        local = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        if article.is_public:
            local = " · ".join(
                part for part in (local, _change_summary(change)) if part
            )
        _log(article, Action.SCHEDULED, user, revision=revision, note=local)
        transaction.on_commit(_look_for_due_changes)
    return revision


@transaction.atomic
def unschedule(article, *, user):
    """Cancel a scheduled publication (the article goes back to draft) or a
    scheduled change to a live article (the draft stays, unscheduled)."""
    _require(permissions.can_publish(user), _("Only publishers can schedule."))
    with desk():
        draft = working_draft(article)
        if article.is_public:
            if draft is None or draft.go_live_at is None:
                raise WorkflowError(_("Nothing is scheduled."))
            _not_going_live(draft.revision_id)
            draft.go_live_at = None
            draft.save(update_fields=["go_live_at", "updated_at"])
            _pending_notes(article, timezone.now()).delete()
            article.pending_change_at = None
            article.save(update_fields=["pending_change_at", "updated_at"])
        elif article.is_scheduled:
            latest = _latest(article)
            if latest is not None:
                _not_going_live(latest.pk)
            article_services.unpublish(article)
        else:
            raise WorkflowError(_("Nothing is scheduled."))
        _log(article, Action.UNSCHEDULED, user)


@transaction.atomic
def unpublish(article, *, user):
    """Take a published or scheduled article off the site. A working draft
    becomes the article's text (no one reads it now), so nothing is lost."""
    _require(permissions.can_publish(user), _("Only publishers can unpublish."))
    if article.status != Article.Status.PUBLISHED:
        raise WorkflowError(_("This article is not published."))
    with desk():
        article = Article.objects.select_for_update().get(pk=article.pk)
        draft = working_draft(article)
        if draft is not None:
            apply_state(article, draft.revision.state)
            draft.delete()
        _pending_notes(article, timezone.now()).delete()
        article_services.unpublish(article)
        _log(article, Action.UNPUBLISHED, user)
    return article


@transaction.atomic
def discard_draft(article, *, user):
    """Forget the working draft of a live article (it stays in the history)."""
    _require(permissions.can_edit(user, article), _("You may not edit this article."))
    draft = working_draft(article)
    if draft is None:
        raise WorkflowError(_("There is no draft to discard."))
    with desk():
        if draft.go_live_at is not None:
            _require(
                permissions.can_publish(user),
                _("Only publishers can cancel a scheduled change."),
            )
            _not_going_live(draft.revision_id)
            _pending_notes(article, timezone.now()).delete()
            article.pending_change_at = None
            article.save(update_fields=["pending_change_at", "updated_at"])
        revision = draft.revision
        draft.delete()
        _log(article, Action.DISCARDED, user, revision=revision)


@transaction.atomic
def restore(article, revision, *, user):
    """Make an old revision the new working draft: a new revision with its
    content. Readers see it only once it is published."""
    _require(permissions.can_edit(user, article), _("You may not edit this article."))
    if revision.article_id != article.pk:
        raise WorkflowError(_("That revision belongs to another article."))
    with desk():
        message = _("Restored revision %(number)s") % {"number": revision.number}
        new = record(
            article,
            user=user,
            message=message,
            state=revision.state,
            restored_from=revision,
        )
        if article.status == Article.Status.PUBLISHED:
            draft = working_draft(article)
            Draft.objects.update_or_create(
                article=article,
                defaults={"revision": new, "review": Review.DRAFT, "go_live_at": None},
            )
            if draft is not None and draft.go_live_at is not None:
                _pending_notes(article, timezone.now()).delete()
                article.pending_change_at = None
                article.save(update_fields=["pending_change_at", "updated_at"])
        else:
            apply_state(article, revision.state)
            if article.status == Article.Status.CHANGES:
                article_services.set_review_state(article, Article.Status.DRAFT)
        _log(article, Action.RESTORED, user, revision=new, note=message)
    return new


@transaction.atomic
def delete(article, *, user):
    _require(
        permissions.can_delete(user, article), _("You may not delete this article.")
    )
    with desk():
        _log(article, Action.DELETED, user, note=article.slug)
        article.delete()


@transaction.atomic
def repin_notices(article, *, user):
    """Show the site notices in force now on a published article."""
    _require(
        permissions.can_publish(user), _("Only publishers can re-pin site notices.")
    )
    with desk():
        article_services.repin_notices(article)
        _log(article, Action.REPINNED, user)
    return article


# Scheduled changes to live articles -------------------------------------------


def _look_for_due_changes():
    """This process looks for a due change at its next request (others do
    within due.CHECK_SECONDS)."""
    due.forget()


def apply_due_changes(now=None):
    """Publish every working draft whose scheduled time has come; returns how
    many. Run on the request that first sees one due (see
    ``editorial.middleware``), by the worker and by ``manage.py publish_due``;
    safe to run at once in several processes (each article is locked)."""
    now = now or timezone.now()
    done = 0
    due = Article.objects.filter(pending_change_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due[:100]):
        with transaction.atomic(), desk():
            article = (
                Article.objects.select_for_update()
                .filter(pk=pk, pending_change_at__lte=now)
                .first()
            )
            if article is None:
                continue  # another process took it
            draft = working_draft(article)
            if draft is None or draft.go_live_at is None or draft.go_live_at > now:
                article.pending_change_at = None
                article.save(update_fields=["pending_change_at", "updated_at"])
                continue
            revision = draft.revision
            apply_state(article, revision.state)
            draft.delete()
            article.pending_change_at = None
            article_services.publish(article)
            revision.published_at = draft.go_live_at
            revision.save(update_fields=["published_at"])
            # The note shows from its own time; it names the revision that
            # went live (the draft may have been saved again since).
            for correction in article.corrections.filter(published_at=draft.go_live_at):
                correction.revision_number = revision.number
                correction.save(update_fields=["revision_number"])
            _log(
                article,
                Action.PUBLISHED,
                revision.published_by,
                revision=revision,
                note=_("Scheduled change"),
            )
            done += 1
    return done


def announce_due_publications(now=None):
    """Tell the caches about every scheduled article whose time has come; returns
    how many. ``published()`` shows it from its time on, but no row changes
    then: saving ``goes_public_at`` (cleared) lets ``articles.changes`` bump
    its keys, once, whichever process gets there first (each row is locked
    and looked at again)."""
    now = now or timezone.now()
    done = 0
    due = Article.objects.filter(goes_public_at__lte=now).values_list("pk", flat=True)
    for pk in list(due[:100]):
        with transaction.atomic(), desk():
            article = (
                Article.objects.select_for_update()
                .filter(pk=pk, goes_public_at__lte=now)
                .first()
            )
            if article is None:
                continue  # another process told them
            article.goes_public_at = None
            article.save(update_fields=["goes_public_at"])
            done += 1
    return done
