from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import cached
from .richtext import RichTextField


class KeepsFormerSlugs:
    """For a model whose old slugs redirect: ``validate_unique`` (the admin's
    forms, ``full_clean()``) also refuses another object's former slug."""

    def validate_unique(self, exclude=None):
        from .addresses import check_slug_is_free

        errors = {}
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "slug" not in errors and "slug" not in (exclude or ()):
            try:
                check_slug_is_free(self)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class Taxonomy(KeepsFormerSlugs, models.Model):
    """What regions and themes share: a named, ordered, described grouping."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_(
            "The last part of the page's address. After a change, the old "
            "address redirects here."
        ),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Shown at the top of the page and in search results."),
    )
    position = models.PositiveIntegerField(
        _("position"),
        default=0,
        help_text=_("Lower numbers come first in menus and on the home page."),
    )

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


def validate_email_list(value):
    """A comma-separated list of e-mail addresses (empty is allowed)."""
    for address in split_emails(value):
        validate_email(address)


def split_emails(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class Identity(models.Model):
    """The publication itself: one record, edited in the admin."""

    SINGLETON_PK = 1

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("The publication's name, in page titles and copyright lines."),
    )
    copyright_holder = models.CharField(
        _("copyright holder"),
        max_length=200,
        blank=True,
        help_text=_(
            "Named in “Copyright © Authors, Holder, Year”. "
            "Leave empty to use the publication's name."
        ),  # fmt: skip
    )
    reprint_emails = models.CharField(
        _("reprint request e-mails"),
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Who receives reprint requests; separate addresses by commas."),
    )
    media_emails = models.CharField(
        _("media inquiry e-mails"),
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Who receives media inquiries from the contact form."),
    )
    corrections_emails = models.CharField(
        _("corrections e-mails"),
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Who receives corrections and other messages."),
    )

    class Meta:
        verbose_name = _("publication identity")
        verbose_name_plural = _("publication identity")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="identity_singleton"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        forget_identity()

    @classmethod
    def get_solo(cls):
        """The identity record, created from the settings the first time."""
        identity, _created = cls.objects.get_or_create(
            pk=cls.SINGLETON_PK, defaults={"name": settings.PUBLICATION_NAME}
        )
        return identity

    @property
    def holder(self):
        return self.copyright_holder or self.name

    def emails_for(self, purpose):
        """Addresses for "reprint", "media" or "corrections"; never empty:
        falls back to the reprint addresses, then to the site's sender."""
        field = {
            "reprint": self.reprint_emails,
            "media": self.media_emails,
            "corrections": self.corrections_emails,
        }[purpose]
        return (
            split_emails(field)
            or split_emails(self.reprint_emails)
            or [settings.DEFAULT_FROM_EMAIL]
        )


def forget_identity():
    """Drop the shared copy of the identity (saving it does this already)."""
    cached.drop("identity")


@cached.shared("identity", "publication.Identity")
def current_identity():
    """The identity for display, shared by every process through the cache
    (``publication.cached``): no query while cached, dropped when it is saved;
    never writes (an unsaved record from the settings until an editor saves
    one)."""
    identity = Identity.objects.filter(pk=Identity.SINGLETON_PK).first()
    if identity is None:
        identity = Identity(pk=Identity.SINGLETON_PK, name=settings.PUBLICATION_NAME)
    return identity


class NoticeVersionQuerySet(models.QuerySet):
    def in_force_at(self, when):
        """For each kind, the newest version created at or before ``when``
        (one query, a correlated subquery)."""
        newest = (
            NoticeVersion.objects.filter(
                kind=models.OuterRef("kind"), created_at__lte=when
            )
            .order_by("-created_at", "-pk")
            .values("pk")[:1]
        )
        return self.filter(created_at__lte=when, pk=models.Subquery(newest))


class NoticeVersion(models.Model):
    """One version of a site notice. Rows are never changed: saving a notice in
    the admin adds a new version, so an article can keep showing the one in force
    when it was published."""

    class Kind(models.TextChoices):
        NOTE_TO_READERS = "note_to_readers", _("note to readers")
        DISCLAIMER = "disclaimer", _("disclaimer")
        REPRINT_TERMS = "reprint_terms", _("reprint and cross-post terms")
        FAIR_USE = "fair_use", _("fair-use notice")
        MEDIA_CONTACT = "media_contact", _("media-inquiries contact")

    kind = models.CharField(_("notice"), max_length=20, choices=Kind)
    body = RichTextField(_("text"), blank=True)
    created_at = models.DateTimeField(
        _("in force from"), default=timezone.now, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = NoticeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("site notice version")
        verbose_name_plural = _("site notices")
        ordering = ["kind", "-created_at", "-pk"]
        get_latest_by = "created_at"
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="notice_kind_time"),
        ]

    def __str__(self):
        when = timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.get_kind_display()} ({when})"


class FormerSlug(models.Model):
    """An address an article, report, author, region, theme or tag used to have.

    Each row points at the object itself, not at the slug that replaced it, so
    however often the slug changes an old address redirects in one hop to the
    current one (``publication.addresses`` keeps the rows; the public views
    answer 301)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    slug = models.CharField(_("former slug"), max_length=300)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("former address")
        verbose_name_plural = _("former addresses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "slug"], name="former_slug_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id"], name="former_slug_object"
            ),
        ]

    def __str__(self):
        return self.slug


class SurrogateKey(models.Model):
    """The version of one surrogate key (``publication.surrogates``): a new
    random token and the time, each time something the key names changes."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("surrogate key")
        verbose_name_plural = _("surrogate keys")

    def __str__(self):
        return self.key


class Purge(models.Model):
    """Surrogate keys to purge from every Varnish in front (``VARNISH_URLS``),
    stored when a change commits and kept until every Varnish has taken them,
    so a Varnish restarting or unreachable loses no purge
    (``publication.purge``)."""

    keys = models.TextField(help_text=_("Space-separated surrogate keys."))
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("cache purge")
        verbose_name_plural = _("cache purges")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(purged_at__isnull=True),
                name="purge_pending",
            ),
        ]

    def __str__(self):
        return self.keys[:100]
