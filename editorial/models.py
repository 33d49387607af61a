"""The editors' desk: revisions of articles, the working draft of a live article,
review comments, the audit log and the e-mails the workflow sends.

The article row (``articles.Article``) is what readers see. Nothing on a public
page reads these tables: a working draft reaches readers only when a publisher
publishes it, which writes it onto the row.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class Revision(models.Model):
    """One saved state of an article: everything an editor can change (see
    ``editorial.state``), who saved it, when and why. Never changed or deleted
    (but with its article): a restore makes a new revision."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveIntegerField(_("revision"))
    created_at = models.DateTimeField(_("saved"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    state = models.JSONField(_("content"), encoder=DjangoJSONEncoder)
    restored_from = models.ForeignKey(
        "self",
        verbose_name=_("restored from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(
        _("went live"),
        null=True,
        blank=True,
        help_text=_("When readers started (or will start) seeing this revision."),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["article", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="revision_number_unique"
            ),
        ]

    def __str__(self):
        return _("Revision %(number)s of “%(title)s”") % {
            "number": self.number,
            "title": self.state.get("title", ""),
        }

    def get_absolute_url(self):
        return reverse(
            "admin:articles_article_revision", args=[self.article_id, self.number]
        )


class Draft(models.Model):
    """The working draft of a published (or scheduled) article: what it will say
    once a publisher publishes it. At most one per article; its text is a
    revision, so discarding it loses nothing."""

    class Review(models.TextChoices):
        DRAFT = Article.Status.DRAFT.value, _("Draft")
        REVIEW = Article.Status.REVIEW.value, _("In review")
        CHANGES = Article.Status.CHANGES.value, _("Changes requested")

    article = models.OneToOneField(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="working_draft",
    )
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    review = models.CharField(
        _("review"), max_length=12, choices=Review, default=Review.DRAFT
    )
    go_live_at = models.DateTimeField(
        _("scheduled for"),
        null=True,
        blank=True,
        help_text=_("Replaces what readers see at this time."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("working draft")
        verbose_name_plural = _("working drafts")
        indexes = [models.Index(fields=["review"], name="draft_review")]

    def __str__(self):
        return _("Draft of “%(title)s”") % {"title": self.article}


class Comment(models.Model):
    """A review comment on an article, shown beside it on the change form."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="review_comments",
    )
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    text = models.TextField(_("comment"), max_length=5000)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author}: {self.text[:60]}"


class AuditEntry(models.Model):
    """Who published, unpublished, scheduled, deleted, restored or asked for
    changes, and when. Kept when the article is deleted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("requested changes")
        PUBLISHED = "published", _("published")
        SCHEDULED = "scheduled", _("scheduled")
        UNSCHEDULED = "unscheduled", _("cancelled the schedule")
        UNPUBLISHED = "unpublished", _("unpublished")
        RESTORED = "restored", _("restored a revision")
        DISCARDED = "discarded", _("discarded the draft")
        DELETED = "deleted", _("deleted")
        REPINNED = "repinned", _("re-pinned the site notices")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    article_title = models.CharField(_("article title"), max_length=300)
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_newest"),
            models.Index(
                fields=["article", "action", "-created_at"], name="audit_article"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} “{self.article_title}”"


class Notification(models.Model):
    """An e-mail of the workflow (submitted, changes requested, published):
    stored first, sent after commit by a task, recorded so a retry sends once."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.TextField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("workflow e-mail")
        verbose_name_plural = _("workflow e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.subject

    def recipient_list(self):
        return [part for part in self.recipients.split(",") if part]


PREVIEW_SALT = "editorial.preview"
PREVIEW_DEFAULT_DAYS = 7
PREVIEW_MAX_DAYS = 30


def new_preview_key():
    return secrets.token_urlsafe(16)


def preview_link_expiry():
    return timezone.now() + timedelta(days=PREVIEW_DEFAULT_DAYS)


class PreviewSigner(signing.TimestampSigner):
    """Signs a link's key with the time the link was made, so its address stays
    the same each time the desk shows it."""

    def __init__(self, when=None):
        super().__init__(salt=PREVIEW_SALT)
        self.when = when

    def timestamp(self):
        if self.when is None:
            return super().timestamp()
        return signing.b62_encode(int(self.when.timestamp()))


class PreviewLinkQuerySet(models.QuerySet):
    def active(self, now=None):
        """Neither revoked nor expired."""
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=now or timezone.now()
        )


class PreviewLink(models.Model):
    """A link anyone can open to read one revision before it is published:
    signed (unguessable, untamperable), expiring, revocable from the article."""

    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    key = models.CharField(
        _("key"), max_length=64, unique=True, default=new_preview_key, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("expires"),
        default=preview_link_expiry,
        help_text=_("The link stops working at this time."),
    )
    revoked_at = models.DateTimeField(
        _("revoked"),
        null=True,
        blank=True,
        help_text=_("The link stopped working at this time, before it expired."),
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="preview_link_expires_after_creation",
            ),
        ]

    def __str__(self):
        return _("Preview link to %(revision)s") % {"revision": self.revision}

    def get_absolute_url(self):
        return reverse("editorial:preview", args=[self.signed()])

    def signed(self):
        """The key as it appears in the link's address."""
        return PreviewSigner(self.created_at).sign(self.key)

    def is_active(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class Presence(models.Model):
    """Who has an article's change form open: each open form says so every few
    seconds (``static/js/article-desk.js``), so every web process sees it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", verbose_name=_("article")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    opened_at = models.DateTimeField(_("open since"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    tab = models.CharField(_("page"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("open form")
        verbose_name_plural = _("open forms")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="presence_article_user"
            ),
        ]
        indexes = [models.Index(fields=["article", "-seen_at"], name="presence_seen")]

    def __str__(self):
        return f"{self.user} – {self.article}"


class Autosave(models.Model):
    """What an editor typed and has not saved: private to them, never a
    revision, never on the article or its draft. One per editor and article
    (``article`` empty: a new article not saved yet)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("article"),
    )
    data = models.JSONField(_("typed fields"), default=dict)
    base_revision = models.PositiveIntegerField(_("opened on revision"), default=0)
    updated_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("autosave")
        verbose_name_plural = _("autosaves")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=models.Q(article__isnull=False),
                name="autosave_user_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(article__isnull=True),
                name="autosave_user_new_article",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.article or _('new article')}"
