"""What an import from WordPress remembers: the jobs started in the admin, and
which WordPress post, author and image became which Imprint object, so that a
second run of the same export changes nothing and old addresses redirect."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def import_storage():
    """Where uploaded exports are kept: not the public media storage (an export
    holds drafts, private posts and authors' e-mail addresses)."""
    return storages["imports"]


class WordPressImport(models.Model):
    """An export uploaded in the admin: checked (a dry run), then imported by
    the task worker, with its progress and report."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked: confirm to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    export = models.FileField(
        _("WordPress export"),
        storage=import_storage,
        upload_to="exports/%Y/%m/",
        max_length=300,
        help_text=_("The .xml file WordPress writes in Tools › Export (All content)."),
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    mapping = models.TextField(
        _("categories"),
        blank=True,
        help_text=_(
            "Which WordPress categories become regions, themes or in-depth "
            "reports (TOML, see the README); every other category becomes a tag."
        ),  # fmt: skip
    )
    download_images = models.BooleanField(
        _("download images"),
        default=False,
        help_text=_(
            "Fetch featured and inline images from the export's own site (and "
            "the hosts below). Without it, images are left out and reported."
        ),  # fmt: skip
    )
    image_hosts = models.CharField(
        _("other image hosts"),
        max_length=500,
        blank=True,
        help_text=_("Space-separated host names images may also come from."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.CHECKING
    )
    processed = models.PositiveIntegerField(_("posts read"), default=0)
    total = models.PositiveIntegerField(_("posts in the export"), default=0)
    check_report = models.JSONField(_("dry-run report"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("WordPress import")
        verbose_name_plural = _("WordPress imports")
        ordering = ["-created_at"]
        permissions = [("run_wordpressimport", _("Can import from WordPress"))]

    def __str__(self):
        return self.original_name or self.export.name

    def admin_url(self):
        return reverse("admin:imports_wordpressimport_change", args=[self.pk])

    @property
    def percent(self):
        if not self.total:
            return 0
        return min(100, round(100 * self.processed / self.total))


class WordPressAuthor(models.Model):
    """A WordPress user (or Co-Authors Plus guest author), by login."""

    site = models.CharField(_("WordPress site"), max_length=300)
    login = models.CharField(_("login"), max_length=200)
    author = models.ForeignKey(
        "authors.Author",
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("WordPress author")
        verbose_name_plural = _("WordPress authors")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "login"], name="wordpress_author_once"
            )
        ]

    def __str__(self):
        return self.login


class WordPressPost(models.Model):
    """A WordPress post that became an article: its id, its old address, and
    what the last import read of it (to see what a newer export changed)."""

    site = models.CharField(_("WordPress site"), max_length=300)
    wp_id = models.BigIntegerField(_("WordPress post id"))
    path = models.CharField(
        _("old address"),
        max_length=500,
        blank=True,
        db_index=True,
        help_text=_("The post's path on the WordPress site; it redirects here."),
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    digest = models.CharField(max_length=64)
    imported_state = models.JSONField(default=dict)
    wp_status = models.CharField(max_length=20)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("WordPress post")
        verbose_name_plural = _("WordPress posts")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "wp_id"], name="wordpress_post_once"
            )
        ]
        indexes = [models.Index(fields=["wp_id"])]

    def __str__(self):
        return f"{self.site} #{self.wp_id}"


class WordPressImage(models.Model):
    """An image read from an export, stored once however often it is used."""

    source = models.CharField(_("original address"), max_length=1000, unique=True)
    name = models.CharField(_("stored as"), max_length=200)
    renditions = models.JSONField(default=list)

    class Meta:
        verbose_name = _("WordPress image")
        verbose_name_plural = _("WordPress images")

    def __str__(self):
        return self.source
