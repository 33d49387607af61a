import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference(prefix):
    """A short, unguessable reference such as RP-2026-K7Q2MX9A."""
    year = timezone.now().year
    return f"{prefix}-{year}-{get_random_string(8, REFERENCE_ALPHABET)}"


def new_grant_code():
    return secrets.token_urlsafe(16)


def one_year_from_now():
    return timezone.now() + timedelta(days=365)


class Notified(models.Model):
    """What a stored submission needs so its e-mails go out exactly once: when
    each was sent, and a claim so two workers never send at the same time."""

    notified_at = models.DateTimeField(
        _("notified"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the e-mails about it went out; empty until then."),
    )
    editors_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_held_for_review = models.BooleanField(
        _("held for review"),
        default=False,
        editable=False,
        help_text=_(
            "Received during a flood of submissions: the editors were told in a "
            "digest rather than one by one. Check it is genuine before answering."
        ),
    )
    digest = models.ForeignKey(
        "reprints.EditorDigest",
        verbose_name=_("digest"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="%(class)s_set",
    )

    class Meta:
        abstract = True


class EditorDigest(models.Model):
    """One e-mail to the editors listing the submissions held during a flood.
    At most one a clock hour (``hour`` is unique), sent exactly once."""

    hour = models.PositiveBigIntegerField(
        unique=True, editable=False, help_text=_("Hours since 1970 (UTC).")
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    notified_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("digest of held submissions")
        verbose_name_plural = _("digests of held submissions")
        ordering = ["-hour"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:00}"


class ReprintRequest(Notified):
    """An outlet's request for permission to reprint one article."""

    class Medium(models.TextChoices):
        WEBSITE = "website", _("website")
        PRINT = "print", _("print")
        BROADCAST = "broadcast", _("broadcast")
        NEWSLETTER = "newsletter", _("newsletter")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        NEEDS_INFO = "needs_info", _("needs information")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, editable=False
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        on_delete=models.PROTECT,
        related_name="reprint_requests",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation"), max_length=200)
    outlet_url = models.URLField(_("outlet address"), max_length=500)
    medium = models.CharField(_("medium"), max_length=12, choices=Medium)
    language = models.CharField(_("language"), max_length=100)
    intended_date = models.DateField(_("intended publication date"))
    message = models.TextField(_("message"), blank=True)
    terms = models.ForeignKey(
        "publication.NoticeVersion",
        verbose_name=_("terms agreed to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.NEW
    )
    idempotency_token = models.CharField(max_length=64, unique=True, editable=False)
    client_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reprint request")
        verbose_name_plural = _("reprint requests")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        indexes = [
            models.Index(fields=["-created_at"], name="reprint_request_new"),
            models.Index(fields=["status", "-created_at"], name="reprint_status"),
        ]

    def __str__(self):
        return f"{self.reference} – {self.organisation}"

    def get_absolute_url(self):
        return reverse("admin:reprints_reprintrequest_change", args=[self.pk])


class ContactMessage(Notified):
    """A message from the general contact form, routed by topic."""

    class Topic(models.TextChoices):
        MEDIA = "media", _("media inquiry")
        CORRECTION = "correction", _("correction")
        OTHER = "other", _("other")

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, editable=False
    )
    topic = models.CharField(_("topic"), max_length=12, choices=Topic)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    idempotency_token = models.CharField(max_length=64, unique=True, editable=False)
    client_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"], name="contact_message_new")]

    def __str__(self):
        return f"{self.reference} – {self.subject}"

    def get_absolute_url(self):
        return reverse("admin:reprints_contactmessage_change", args=[self.pk])

    @property
    def purpose(self):
        """Which identity address receives it."""
        return "media" if self.topic == self.Topic.MEDIA else "corrections"


class ReplyTemplate(models.Model):
    """The start of an editor's answer to a reprint request."""

    class Kind(models.TextChoices):
        APPROVE = "approve", _("approve")
        DECLINE = "decline", _("decline")
        NEEDS_INFO = "needs_info", _("ask for information")

    kind = models.CharField(_("used to"), max_length=12, choices=Kind)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        help_text=_("Placeholders: {reference}, {name}, {article}."),
    )
    body = models.TextField(
        _("message"),
        help_text=_(
            "Placeholders: {name}, {organisation}, {article}, {article_url}, "
            "{reference}, {verify_url} (approvals), {expires} (approvals)."
        ),  # fmt: skip
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Offered first for its use.")
    )

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["kind", "-is_default", "name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class ReprintEvent(models.Model):
    """A change to a reprint request: who, when, what, and the reply sent."""

    request = models.ForeignKey(
        ReprintRequest, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(_("e-mail to requester"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.request.reference}: {self.from_status} → {self.to_status}"


class PermissionGrantQuerySet(models.QuerySet):
    def valid(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class PermissionGrant(models.Model):
    """Permission to reprint one article, checkable by anyone with its code."""

    class State(models.TextChoices):
        VALID = "valid", _("valid")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    code = models.CharField(
        _("code"), max_length=64, unique=True, default=new_grant_code, editable=False
    )
    request = models.OneToOneField(
        ReprintRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant",
        editable=False,
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.PROTECT, related_name="reprint_grants"
    )
    grantee_name = models.CharField(_("grantee"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200)
    medium = models.CharField(_("medium"), max_length=12, choices=ReprintRequest.Medium)
    terms = models.ForeignKey(
        "publication.NoticeVersion",
        verbose_name=_("terms in force"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=one_year_from_now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = PermissionGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("permission grant")
        verbose_name_plural = _("permission grants")
        ordering = ["-granted_at", "-pk"]

    def __str__(self):
        return f"{self.organisation}: {self.article}"

    def get_absolute_url(self):
        return reverse("reprints:verify", kwargs={"code": self.code})

    @property
    def state(self):
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.VALID

    def get_state_display(self):
        return self.State(self.state).label


class RateCounter(models.Model):
    """One client's recent submissions, for when the cache is not Redis: the
    times of the hits still inside the longest window (a sliding window),
    updated under a row lock so processes never lose a hit."""

    key = models.CharField(max_length=200, unique=True)
    hits = models.JSONField(default=list)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {len(self.hits)}"
