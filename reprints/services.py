"""Writes with side effects: store first, send after commit through a task,
record what was sent so a retry sends exactly once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from publication.models import Identity, NoticeVersion
from publication.notices import current_notice
from publication.outbox import claim

from .models import (
    ContactMessage,
    EditorDigest,
    PermissionGrant,
    ReplyTemplate,
    ReprintEvent,
    ReprintRequest,
    new_reference,
)

logger = logging.getLogger("imprint.reprints")


# Editors get at most one digest of held submissions per clock hour.
DIGEST_SECONDS = 3600


def now_seconds():
    """Seconds since the epoch, for the digest's hour (tests move it)."""
    return timezone.now().timestamp()


def in_flood(model):
    """Whether more than REPRINT_RATE_GLOBAL_PER_HOUR submissions of this kind
    were stored in the last hour (from everyone, a sliding hour). Counts stored
    rows, which passed the per-client limits, and stops counting at the
    threshold so a large flood costs no more than a small one."""
    threshold = getattr(settings, "REPRINT_RATE_GLOBAL_PER_HOUR", 300)
    since = timezone.now() - timedelta(hours=1)
    recent = model.objects.filter(created_at__gte=since).order_by()
    return recent.values("pk")[:threshold].count() >= threshold


def held_waiting():
    """Whether any held submission is not yet in a digest."""
    return any(
        model.objects.filter(is_held_for_review=True, digest__isnull=True).exists()
        for model in (ReprintRequest, ContactMessage)
    )


def _store(model, token, fields, task):
    """Store a submission once and notify after commit; in a flood, hold it for
    review and let the hour's digest tell the editors instead."""
    from .tasks import send_digest

    with transaction.atomic():
        held = in_flood(model)
        obj, created = _create_once(
            model, token, {**fields, "is_held_for_review": held}
        )
        if created:
            enqueue_after_commit(task, obj.pk)
            hour = int(now_seconds() // DIGEST_SECONDS)
            if held and not EditorDigest.objects.filter(hour=hour).exists():
                # The first held submission of the hour: the digest goes out now.
                enqueue_after_commit(send_digest)
    return obj


def enqueue_after_commit(task, *args):
    """Enqueue ``task(*args)`` once the surrounding transaction commits. A
    failure to enqueue is logged; the row stays unsent and the cron command
    retries."""

    def enqueue():
        try:
            task.enqueue(*args)
        except Exception:
            logger.exception("Could not enqueue %s%s", task.name, args)

    transaction.on_commit(enqueue)


def _create_once(model, token, fields):
    """Create a row for this idempotency token, or return the one already there
    (a double submit). Retries a (very unlikely) reference collision."""
    prefix = "RP" if model is ReprintRequest else "CM"
    for _attempt in range(3):
        try:
            with transaction.atomic():
                obj = model.objects.create(
                    reference=new_reference(prefix), idempotency_token=token, **fields
                )
                return obj, True
        except IntegrityError:
            existing = model.objects.filter(idempotency_token=token).first()
            if existing is not None:
                return existing, False
    raise IntegrityError("Could not store the submission")


def find_submission(model, token):
    return model.objects.filter(idempotency_token=token).first()


def submit_reprint_request(data, client_ip=None):
    """Store a reprint request (one per form token) and notify after commit."""
    from .tasks import notify_request

    fields = {
        key: data[key]
        for key in (
            "article",
            "name",
            "email",
            "organisation",
            "outlet_url",
            "medium",
            "language",
            "intended_date",
            "message",
        )
    }
    fields["terms"] = current_notice(NoticeVersion.Kind.REPRINT_TERMS)
    return _store(
        ReprintRequest,
        data["idempotency_token"],
        {**fields, "client_ip": client_ip},
        notify_request,
    )


def submit_contact_message(data, client_ip=None):
    """Store a contact message (one per form token) and route it after commit."""
    from .tasks import notify_contact

    fields = {
        key: data[key]
        for key in ("topic", "name", "email", "organisation", "subject", "message")
    }
    return _store(
        ContactMessage,
        data["idempotency_token"],
        {**fields, "client_ip": client_ip},
        notify_contact,
    )


# Sending ---------------------------------------------------------------------


def _send(subject, to, text, html=None, reply_to=None):
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to or [],
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def _deliver(model, pk, steps):
    """Send each (done_field, send) step not yet done, recording each as it
    goes; then set notified_at. On failure: log, release, re-raise."""
    if not claim(model, pk, "notified_at"):
        return False
    try:
        obj = model.objects.get(pk=pk)
        identity = Identity.get_solo()
        for field, send in steps:
            if field == "editors_notified_at" and obj.is_held_for_review:
                continue  # the editors read about it in the hour's digest
            if getattr(obj, field) is None:
                send(obj, identity)
                model.objects.filter(pk=pk).update(**{field: timezone.now()})
        model.objects.filter(pk=pk).update(
            notified_at=timezone.now(), sending_until=None
        )
    except Exception:
        logger.exception("Sending the e-mails for %s %s failed", model.__name__, pk)
        model.objects.filter(pk=pk).update(sending_until=None)
        raise
    return True


def _site_url(path):
    return f"{settings.SITE_URL}{path}"


def _request_editors(req, identity):
    context = {"req": req, "identity": identity, "site_url": settings.SITE_URL}
    _send(
        subject=_("Reprint request %(reference)s: %(organisation)s")
        % {"reference": req.reference, "organisation": req.organisation},
        to=identity.emails_for("reprint"),
        text=render_to_string("reprints/email/request_editors.txt", context),
        reply_to=[req.email],
    )


def _request_acknowledgement(req, identity):
    context = {"req": req, "identity": identity, "site_url": settings.SITE_URL}
    _send(
        subject=_("Your reprint request %(reference)s") % {"reference": req.reference},
        to=[req.email],
        text=render_to_string("reprints/email/request_ack.txt", context),
        reply_to=identity.emails_for("reprint"),
    )


def deliver_request_notifications(pk):
    return _deliver(
        ReprintRequest,
        pk,
        [
            ("editors_notified_at", _request_editors),
            ("acknowledged_at", _request_acknowledgement),
        ],
    )


def _contact_editors(msg, identity):
    context = {"msg": msg, "identity": identity, "site_url": settings.SITE_URL}
    _send(
        subject=_("[%(topic)s] %(subject)s")
        % {"topic": msg.get_topic_display(), "subject": msg.subject},
        to=identity.emails_for(msg.purpose),
        text=render_to_string("reprints/email/contact_editors.txt", context),
        reply_to=[msg.email],
    )


def _contact_acknowledgement(msg, identity):
    context = {"msg": msg, "identity": identity, "site_url": settings.SITE_URL}
    _send(
        subject=_("We received your message %(reference)s")
        % {"reference": msg.reference},
        to=[msg.email],
        text=render_to_string("reprints/email/contact_ack.txt", context),
    )


def deliver_contact_notifications(pk):
    return _deliver(
        ContactMessage,
        pk,
        [
            ("editors_notified_at", _contact_editors),
            ("acknowledged_at", _contact_acknowledgement),
        ],
    )


def collect_digest():
    """Make this hour's digest of the held submissions not yet in one. Returns
    its pk, or None when this hour has its digest already or nothing waits."""
    hour = int(now_seconds() // DIGEST_SECONDS)
    if EditorDigest.objects.filter(hour=hour).exists() or not held_waiting():
        return None
    try:
        with transaction.atomic():
            digest = EditorDigest.objects.create(hour=hour)
            for model in (ReprintRequest, ContactMessage):
                model.objects.filter(
                    is_held_for_review=True, digest__isnull=True
                ).update(digest=digest)
    except IntegrityError:
        return None  # another process made this hour's digest first
    return digest.pk


def _digest_editors(digest, identity):
    requests = list(digest.reprintrequest_set.select_related("article"))
    messages = list(digest.contactmessage_set.all())
    if not requests and not messages:
        return
    # Everyone who would have had one of these one by one.
    to = []
    for purpose in ["reprint"] * bool(requests) + [msg.purpose for msg in messages]:
        to += [email for email in identity.emails_for(purpose) if email not in to]
    total = len(requests) + len(messages)
    context = {
        "requests": requests,
        "messages": messages,
        "total": total,
        "identity": identity,
        "site_url": settings.SITE_URL,
    }
    _send(
        subject=ngettext(
            "Held for review: %(count)s submission during a flood",
            "Held for review: %(count)s submissions during a flood",
            total,
        )
        % {"count": total},
        to=to,
        text=render_to_string("reprints/email/digest_editors.txt", context),
    )


def deliver_digest(pk):
    """Send one digest to the editors and record its submissions as told."""
    if not claim(EditorDigest, pk, "notified_at"):
        return False
    try:
        digest = EditorDigest.objects.get(pk=pk)
        _digest_editors(digest, Identity.get_solo())
        now = timezone.now()
        for model in (ReprintRequest, ContactMessage):
            model.objects.filter(digest=digest).update(editors_notified_at=now)
        EditorDigest.objects.filter(pk=pk).update(notified_at=now, sending_until=None)
    except Exception:
        logger.exception("Sending the digest %s failed", pk)
        EditorDigest.objects.filter(pk=pk).update(sending_until=None)
        raise
    return True


def deliver_reply(event_id):
    """Send an editor's reply (recorded on a ReprintEvent) to the requester."""
    if not claim(ReprintEvent, event_id, "emailed_at"):
        return False
    try:
        event = ReprintEvent.objects.select_related("request").get(pk=event_id)
        identity = Identity.get_solo()
        grant = PermissionGrant.objects.filter(request=event.request).first()
        html = None
        if grant is not None and event.to_status == ReprintRequest.Status.APPROVED:
            html = render_to_string(
                "reprints/email/approval.html",
                {
                    "event": event,
                    "grant": grant,
                    "attribution": attribution(grant),
                    "verify_url": _site_url(grant.get_absolute_url()),
                },
            )
        _send(
            subject=event.subject,
            to=[event.request.email],
            text=event.body,
            html=html,
            reply_to=identity.emails_for("reprint"),
        )
        ReprintEvent.objects.filter(pk=event_id).update(
            emailed_at=timezone.now(), sending_until=None
        )
    except Exception:
        logger.exception("Sending the reply for event %s failed", event_id)
        ReprintEvent.objects.filter(pk=event_id).update(sending_until=None)
        raise
    return True


def pending():
    """What still has to be sent: (deliver function, pk) pairs."""
    for pk in ReprintRequest.objects.filter(notified_at__isnull=True).values_list(
        "pk", flat=True
    ):
        yield deliver_request_notifications, pk
    for pk in ContactMessage.objects.filter(notified_at__isnull=True).values_list(
        "pk", flat=True
    ):
        yield deliver_contact_notifications, pk
    for pk in EditorDigest.objects.filter(notified_at__isnull=True).values_list(
        "pk", flat=True
    ):
        yield deliver_digest, pk
    for pk in (
        ReprintEvent.objects.filter(emailed_at__isnull=True)
        .exclude(body="")
        .values_list("pk", flat=True)
    ):
        yield deliver_reply, pk


def outbox():
    """For ``send_pending_notifications``: make this hour's digest of what a
    flood held (once an hour), drop expired rate counters, then what is unsent."""
    from .models import RateCounter

    collect_digest()
    RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    yield from pending()


# Editors' decisions ------------------------------------------------------------


def attribution(grant):
    """What a grantee must print: the original source (for cross-posts), the
    copyright line and the link back, as plain text and HTML."""
    article = grant.article
    url = _site_url(article.get_absolute_url())
    source = ""
    if article.is_cross_post:
        source = _("The original source of this article is %(outlet)s.") % {
            "outlet": article.original_outlet
        }
    copyright_line = article.copyright_line()
    lines = [line for line in (source, copyright_line, url) if line]
    text = "\n".join(lines)
    parts = []
    if source:
        if article.original_url:
            parts.append(
                format_html(
                    '<p>{} <a href="{}">{}</a>.</p>',
                    _("The original source of this article is"),
                    article.original_url,
                    article.original_outlet,
                )
            )
        else:
            parts.append(format_html("<p>{}</p>", source))
    parts.append(format_html("<p>{}</p>", copyright_line))
    parts.append(format_html('<p><a href="{}">{}</a></p>', url, article.title))
    html = mark_safe("\n".join(parts))  # each part built with format_html
    return {
        "source": source,
        "copyright": copyright_line,
        "url": url,
        "text": text,
        "html": html,
    }


def placeholders(req, grant=None):
    values = {
        "name": req.name,
        "organisation": req.organisation,
        "article": req.article.title,
        "article_url": _site_url(req.article.get_absolute_url()),
        "reference": req.reference,
    }
    if grant is not None:
        values["verify_url"] = _site_url(grant.get_absolute_url())
        values["expires"] = timezone.localtime(grant.expires_at).strftime("%d %B %Y")
    return values


def fill(text, values):
    """Replace {placeholders} we know; leave any other braces alone."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def template_start(req, kind, template=None):
    """Subject and body to start an editor's reply from (the default template)."""
    template = template or ReplyTemplate.objects.filter(kind=kind).first()
    if template is None:
        return "", ""
    values = placeholders(req)
    return fill(template.subject, values), fill(template.body, values)


def decide(req, status, *, actor, subject, body, expires_at=None, note=""):
    """Change a request's status, log who and when, create the grant on
    approval, and e-mail the requester after commit."""
    from .tasks import send_reply

    with transaction.atomic():
        req = ReprintRequest.objects.select_for_update().get(pk=req.pk)
        grant = None
        if status == ReprintRequest.Status.APPROVED:
            grant, _created = PermissionGrant.objects.get_or_create(
                request=req,
                defaults={
                    "article": req.article,
                    "grantee_name": req.name,
                    "organisation": req.organisation,
                    "medium": req.medium,
                    "terms": req.terms
                    or current_notice(NoticeVersion.Kind.REPRINT_TERMS),
                    **({"expires_at": expires_at} if expires_at else {}),
                },
            )
        values = placeholders(req, grant)
        body = fill(body, values)
        if grant is not None:
            text = attribution(grant)["text"]
            body = (
                f"{body.rstrip()}\n\n"
                + _("Print this attribution with the article:")
                + f"\n\n{text}\n\n"
                + _("Anyone can check this permission at:")
                + f" {values['verify_url']}\n"
            )
        event = ReprintEvent.objects.create(
            request=req,
            from_status=req.status,
            to_status=status,
            actor=actor,
            note=note,
            subject=fill(subject, values),
            body=body,
        )
        req.status = status
        req.save(update_fields=["status", "updated_at"])
        if body:
            enqueue_after_commit(send_reply, event.pk)
    return event, grant


def set_status(req, status, *, actor, note=""):
    """A status change without a reply (e.g. withdrawn), logged."""
    with transaction.atomic():
        ReprintEvent.objects.create(
            request=req,
            from_status=req.status,
            to_status=status,
            actor=actor,
            note=note,
        )
        ReprintRequest.objects.filter(pk=req.pk).update(
            status=status, updated_at=timezone.now()
        )


def revoke_grant(grant, *, actor):
    with transaction.atomic():
        if grant.revoked_at is not None:
            return False
        PermissionGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
        if grant.request_id:
            ReprintEvent.objects.create(
                request_id=grant.request_id,
                from_status=ReprintRequest.Status.APPROVED,
                to_status=ReprintRequest.Status.APPROVED,
                actor=actor,
                note=_("Permission revoked"),
            )
    return True
