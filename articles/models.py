import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from publication.images import SafeImageField
from publication.links import address
from publication.models import KeepsFormerSlugs, current_identity
from publication.richtext import RichTextField

# How an article is filed under each kind of subject that has a page and a feed.
SUBJECT_LOOKUPS = {
    "regions.region": "regions",
    "themes.theme": "themes",
    "articles.indepthreport": "report_entries__report",
    "authors.author": "authorships__author",
    "taggit.tag": "tags",
}


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of public: published, and its time has come.

        To ask whether a related row has a public article, filter with
        ``Exists(Article.objects.published().filter(<relation>=OuterRef("pk")))``
        rather than ``IN (every public article)``: it stops at the first match."""
        return self.filter(
            status=Article.Status.PUBLISHED, publish_at__lte=timezone.now()
        )

    def for_listing(self):
        """What a list of articles shows: authors in order, and nothing heavy."""
        return self.defer("body").prefetch_related(bylines_prefetch())

    def newest_first(self):
        return self.order_by("-publish_at", "-pk")

    def about(self, subject):
        """Articles filed under a region, theme, report, author or tag."""
        return self.filter(**{SUBJECT_LOOKUPS[subject._meta.label_lower]: subject})


class InDepthReportQuerySet(models.QuerySet):
    def public(self):
        """Reports with at least one public article."""
        return self.filter(
            models.Exists(
                Article.objects.published().filter(
                    report_entries__report=models.OuterRef("pk")
                )
            )
        )


class InDepthReport(KeepsFormerSlugs, models.Model):
    """A dossier: a set of articles on one subject, in an editor-chosen order."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The last part of the report's address."),
    )
    introduction = RichTextField(
        _("introduction"),
        blank=True,
        help_text=_("Opens the report's page, above its articles."),
    )
    image = SafeImageField(_("image"), blank=True)
    image_renditions = models.JSONField(default=list, blank=True, editable=False)
    image_alt = models.CharField(
        _("image alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    image_credit = models.CharField(_("image credit"), max_length=200, blank=True)
    position = models.PositiveIntegerField(
        _("position"),
        default=0,
        help_text=_("Lower numbers come first on the home page."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InDepthReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("in-depth report")
        verbose_name_plural = _("in-depth reports")
        ordering = ["position", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_credit=""),
                name="report_image_needs_credit",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return address("articles:report", slug=self.slug)


class Article(KeepsFormerSlugs, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        CHANGES = "changes", _("Changes requested")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=300,
        unique=True,
        help_text=_(
            "The last part of the article's address. After a change, the old "
            "address redirects here."
        ),  # fmt: skip
    )
    standfirst = models.TextField(
        _("standfirst"),
        max_length=600,
        blank=True,
        help_text=_(
            "One or two sentences under the title; also the summary in "
            "listings, feeds and search engines."
        ),  # fmt: skip
    )
    body = RichTextField(_("body"), blank=True)
    authors = models.ManyToManyField(
        "authors.Author",
        through="Authorship",
        related_name="articles",
        verbose_name=_("authors"),
        blank=True,
    )
    regions = models.ManyToManyField(
        "regions.Region", related_name="articles", verbose_name=_("regions"), blank=True
    )
    themes = models.ManyToManyField(
        "themes.Theme", related_name="articles", verbose_name=_("themes"), blank=True
    )
    reports = models.ManyToManyField(
        InDepthReport,
        through="ReportArticle",
        related_name="articles",
        verbose_name=_("in-depth reports"),
        blank=True,
    )
    tags = TaggableManager(
        _("tags"),
        through="TaggedArticle",
        blank=True,
        help_text=_("Comma-separated keywords."),
    )

    featured_image = SafeImageField(
        _("featured image"),
        blank=True,
        help_text=_("JPEG, PNG, WebP or GIF; shown above the article and in shares."),
    )
    featured_image_renditions = models.JSONField(
        default=list, blank=True, editable=False
    )
    image_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    image_caption = models.CharField(_("caption"), max_length=500, blank=True)
    image_credit = models.CharField(
        _("credit"),
        max_length=200,
        blank=True,
        help_text=_("Required with an image: photographer and agency or licence."),
    )

    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status,
        default=Status.DRAFT,
        help_text=_(
            "Only published articles whose publication time has passed "
            "are shown to readers."
        ),  # fmt: skip
    )
    publish_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_(
            "Shown to readers once published and this time has passed. "
            "Leave empty to publish now."
        ),  # fmt: skip
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    pending_change_at = models.DateTimeField(
        _("draft changes go live at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "A publisher scheduled the working draft of this live article to "
            "replace what readers see at this time."
        ),  # fmt: skip
    )

    goes_public_at = models.DateTimeField(
        _("goes public at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "A scheduled article's publication time, until the first request "
            "after it has told the caches that the article is public."
        ),  # fmt: skip
    )

    original_outlet = models.CharField(
        _("original outlet"),
        max_length=200,
        blank=True,
        help_text=_("For a cross-post: the outlet that first published it."),
    )
    original_url = models.URLField(
        _("original address"),
        max_length=500,
        blank=True,
        help_text=_("The address of the original article."),
    )
    original_published_at = models.DateField(
        _("original publication date"), null=True, blank=True
    )
    is_original_canonical = models.BooleanField(
        _("original is canonical"),
        default=False,
        help_text=_("Tell search engines the original is the main version."),
    )
    copyright_override = models.CharField(
        _("copyright line"),
        max_length=300,
        blank=True,
        help_text=_("Leave empty for “Copyright © Authors, Publication, Year”."),
    )
    notices_pinned_at = models.DateTimeField(
        _("notices pinned at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The article shows the site notices in force at this time: "
            "when it was first published, or when an editor re-pinned it."
        ),  # fmt: skip
    )
    is_reprintable = models.BooleanField(
        _("may be reprinted"),
        default=True,
        help_text=_(
            "Untick for third-party material: readers then cannot ask "
            "for permission to reprint it."
        ),  # fmt: skip
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-publish_at", "-pk"]
        get_latest_by = "publish_at"
        permissions = [
            ("publish_article", "Can publish and unpublish articles"),
            ("edit_others_article", "Can edit other people's articles"),
        ]
        indexes = [
            models.Index(
                fields=["status", "-publish_at", "-id"], name="article_public"
            ),
            models.Index(fields=["-updated_at"], name="article_updated"),
            # The editors' list, newest first, whatever the status.
            models.Index(fields=["-publish_at", "-id"], name="article_newest"),
            # The newest edit among public articles (the sitemap index's
            # lastmod), read from the index alone.
            models.Index(
                fields=["status", "publish_at", "updated_at"],
                name="article_public_edits",
            ),
            models.Index(
                fields=["pending_change_at"],
                name="article_pending_change",
                condition=Q(pending_change_at__isnull=False),
            ),
            models.Index(
                fields=["goes_public_at"],
                name="article_goes_public",
                condition=Q(goes_public_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(featured_image="") | ~Q(image_credit=""),
                name="article_image_needs_credit",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(original_url="") | ~Q(original_outlet=""),
                name="article_original_url_needs_outlet",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.status == self.Status.PUBLISHED:
            if self.publish_at is None:
                self.publish_at = timezone.now()
            if self.notices_pinned_at is None:
                # Shown with the site notices in force when first published.
                self.notices_pinned_at = timezone.now()
                if update_fields is not None:
                    update_fields = kwargs["update_fields"] = {
                        *update_fields,
                        "notices_pinned_at",
                    }
        if update_fields is None or {"status", "publish_at"} & set(update_fields):
            # No row changes when a scheduled article's time comes: the first
            # request after it tells the caches (editorial.middleware).
            self.goes_public_at = self.publish_at if self.is_scheduled else None
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "goes_public_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return address("articles:detail", slug=self.slug)

    def validate_constraints(self, exclude=None):
        # Django checks each constraint in a query and a savepoint of its own;
        # the check constraints hold together in one (as they usually do, and
        # an import validates thousands of articles). Only when they do not
        # is each checked apart, for its own message.
        constraints = self._meta.constraints
        if not exclude and all(
            isinstance(constraint, models.CheckConstraint) for constraint in constraints
        ):
            condition = Q(*(constraint.condition for constraint in constraints))
            together = models.CheckConstraint(condition=condition, name="checks")
            # Only the fields the conditions name go into the query.
            others = {
                field.name for field in self._meta.local_fields
            } - condition.referenced_base_fields
            using = router.db_for_write(type(self), instance=self)
            try:
                together.validate(type(self), self, exclude=others, using=using)
            except ValidationError:
                pass
            else:
                return
        super().validate_constraints(exclude=exclude)

    def clean(self):
        # Publishing without a time means now; set before the constraints are
        # validated, as save() would set it anyway.
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        errors = {}
        if self.featured_image and not self.image_credit.strip():
            errors["image_credit"] = _("An image needs a credit.")
        if self.featured_image and not self.image_alt.strip():
            errors["image_alt"] = _("Describe the image for readers who cannot see it.")
        if self.original_url and not self.original_outlet.strip():
            errors["original_outlet"] = _("Name the outlet the address belongs to.")
        if self.is_original_canonical and not self.original_url:
            errors["is_original_canonical"] = _(
                "Only an article with an original address can point to it."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self):
        """published()'s rule for one loaded row (the staff preview banner), so it
        costs no query; test_models checks the two agree."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        """Published, but its time has not come: readers cannot see it yet."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def is_cross_post(self):
        return bool(self.original_outlet)

    def ordered_authors(self):
        """Authors in the editor's order (uses the listing prefetch when present)."""
        return [authorship.author for authorship in self.authorships.all()]

    @property
    def copyright_year(self):
        when = self.original_published_at or self.publish_at or self.created_at
        return (when or timezone.now()).year

    def copyright_line(self):
        """ "Copyright © Authors, Holder, Year", the holder being the publication
        identity's (memoised per process: no query on most calls)."""
        if self.copyright_override:
            return self.copyright_override
        names = ", ".join(author.name for author in self.ordered_authors())
        holder = current_identity().holder
        holders = ", ".join(part for part in (names, holder) if part)
        return f"Copyright © {holders}, {self.copyright_year}"


class Authorship(models.Model):
    """An author of an article, in the order the byline shows."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="authorships"
    )
    author = models.ForeignKey(
        "authors.Author", on_delete=models.PROTECT, related_name="authorships"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"], name="authorship_unique"
            ),
        ]

    def __str__(self):
        return f"{self.author} – {self.article}"


@functools.cache
def _bylines():
    # Built once: each prefetch filters a clone of it.
    return Authorship.objects.select_related("author").order_by("position")


def bylines_prefetch():
    """Each article's authorships, with their authors, in the editor's order:
    what ``article.ordered_authors()`` and a byline read."""
    return models.Prefetch("authorships", queryset=_bylines())


class TaggedArticle(TaggedItemBase):
    """A tag on an article: a real foreign key (a bigint like the article's id)
    where taggit's generic ``TaggedItem`` has an integer ``object_id`` and a
    content type, which PostgreSQL cannot join on the article's index without
    a cast."""

    content_object = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="tagged_items",
        db_index=False,  # the unique constraint's index starts with it
    )
    tag = models.ForeignKey(
        Tag,
        on_delete=models.CASCADE,
        related_name="tagged_articles",
        db_index=False,  # article_tag_articles starts with it
    )

    class Meta:
        verbose_name = _("tagged article")
        verbose_name_plural = _("tagged articles")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="tagged_article_unique"
            ),
        ]
        indexes = [
            # A tag page: the tag's articles, read from the index alone.
            models.Index(fields=["tag", "content_object"], name="tag_articles"),
        ]


class ReportArticle(models.Model):
    """An article's place in an in-depth report."""

    report = models.ForeignKey(
        InDepthReport, on_delete=models.CASCADE, related_name="entries"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="report_entries"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("report article")
        verbose_name_plural = _("report articles")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "article"], name="report_article_unique"
            ),
        ]

    def __str__(self):
        return f"{self.report}: {self.article}"


class CorrectionQuerySet(models.QuerySet):
    def shown(self):
        """Notes whose time has come: a scheduled change's note appears with
        the change, not before."""
        return self.filter(published_at__lte=timezone.now())

    def public(self):
        """Notes readers see: shown, on a public article."""
        return self.shown().filter(article__in=Article.objects.published())

    def newest_first(self):
        return self.order_by("-published_at", "-pk")


class Correction(models.Model):
    """A public note on a change to a live article: a correction, a
    clarification or an update, as the publisher said when publishing it.
    A silent fix (a typo) leaves no note."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Corrected")
        CLARIFICATION = "clarification", _("Clarified")
        UPDATE = "update", _("Updated")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    note = models.TextField(
        _("note to readers"),
        max_length=2000,
        help_text=_("Plain text, shown under the article and on the corrections page."),
    )
    published_at = models.DateTimeField(
        _("shown from"),
        default=timezone.now,
        help_text=_(
            "When readers first see the note: when the change went live, or "
            "the time it is scheduled for."
        ),  # fmt: skip
    )
    revision_number = models.PositiveIntegerField(
        _("revision"),
        help_text=_("The number of the revision that made the change."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["published_at", "pk"]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="correction_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["correction", "clarification", "update"]),
                name="correction_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#correction-{self.pk}"


def notes_prefetch():
    """An article's notes readers see, oldest first, as ``article.notes``
    (one query for any number of articles)."""
    return models.Prefetch(
        "corrections",
        queryset=Correction.objects.shown().order_by("published_at", "pk"),
        to_attr="notes",
    )


def notes_of(article):
    """The notes readers see on ``article``, oldest first: the prefetched list
    when there is one."""
    if hasattr(article, "notes"):
        return article.notes
    return list(article.corrections.shown().order_by("published_at", "pk"))
