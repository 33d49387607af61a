"""The workflow's e-mails: publishers when an article is submitted, the
submitter when changes are requested or it is published.

Each is stored as a ``Notification`` first, then sent after commit by a task;
``deliver`` records it as sent, so the cron retry (``manage.py
send_pending_notifications``) sends whatever failed, exactly once.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from publication.outbox import claim

from .models import Notification

logger = logging.getLogger("imprint.editorial")


def publishers():
    """Active accounts that may publish and have an address."""
    permission = Permission.objects.filter(
        content_type__app_label="articles", codename="publish_article"
    ).first()
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(
        Q(is_superuser=True)
        | Q(groups__permissions=permission)
        | Q(user_permissions=permission)
    ).distinct()


def _queue(article, recipients, subject, template, context):
    from .tasks import send_notification

    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return None
    body = render_to_string(
        template,
        {
            **context,
            "article": article,
            "change_url": settings.SITE_URL
            + reverse("admin:articles_article_change", args=[article.pk]),
        },
    )
    notification = Notification.objects.create(
        article=article,
        recipients=",".join(recipients),
        subject=subject[:300],
        body=body,
    )

    def enqueue():
        try:
            send_notification.enqueue(notification.pk)
        except Exception:
            logger.exception("Could not enqueue notification %s", notification.pk)

    transaction.on_commit(enqueue)
    return notification


def submitted(article, user, comment):
    recipients = [u.email for u in publishers() if u != user]
    return _queue(
        article,
        recipients,
        _("For review: %(title)s") % {"title": article.title},
        "editorial/email/submitted.txt",
        {"user": user, "comment": comment},
    )


def changes_requested(article, user, comment, submitter):
    to = [submitter.email] if submitter is not None and submitter != user else []
    return _queue(
        article,
        to,
        _("Changes requested: %(title)s") % {"title": article.title},
        "editorial/email/changes_requested.txt",
        {"user": user, "comment": comment},
    )


def published(article, user, submitter):
    return _queue(
        article,
        [submitter.email],
        _("Published: %(title)s") % {"title": article.title},
        "editorial/email/published.txt",
        {
            "user": user,
            "public_url": settings.SITE_URL + article.get_absolute_url(),
        },
    )


def deliver(pk):
    """Send one stored notification unless it was sent; on failure log,
    release it for the retry, and re-raise."""
    if not claim(Notification, pk, "sent_at"):
        return False
    try:
        notification = Notification.objects.get(pk=pk)
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=notification.recipient_list(),
        ).send()
        Notification.objects.filter(pk=pk).update(
            sent_at=timezone.now(), sending_until=None
        )
    except Exception:
        logger.exception("Sending workflow e-mail %s failed", pk)
        Notification.objects.filter(pk=pk).update(sending_until=None)
        raise
    return True


def pending():
    """(deliver, pk) for every notification not yet sent."""
    for pk in Notification.objects.filter(sent_at__isnull=True).values_list(
        "pk", flat=True
    ):
        yield deliver, pk
