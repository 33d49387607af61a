"""Importing a WordPress export into Imprint.

:class:`Importer` reads the export twice, streaming (``imports.wxr``): a first
pass collects the authors, categories, tags and attachments (small), the second
imports the posts one by one, each in its own transaction, so a bad post is
reported and skipped and the rest land. Every write goes through the editorial
desk (``editorial.services``: created, save, publish, unpublish), so imported
articles have revisions, an audit trail and pinned notices like any other.

Idempotent by WordPress post id: a post that the last import read identically
(a digest of everything read from it) is left alone; a changed one gets a new
revision with the fields that changed in WordPress since, and keeps what an
editor changed here in the others. Each post's old address (``<link>``) and
``?p=<id>`` redirect to its article (``imports.middleware``).
"""

import contextlib
import hashlib
import html
import json
from dataclasses import asdict, dataclass, field, replace
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag

from articles.models import Article, InDepthReport
from authors.models import Author
from editorial import permissions
from editorial import services as desk
from editorial.state import FIELDS
from publication import surrogates
from publication.addresses import former_owner_id
from regions.models import Region
from themes.models import Theme

from . import content, wxr
from .images import ImageSource, ImageUnavailable
from .mapping import Mapping
from .models import WordPressAuthor, WordPressPost

PUBLISHED = {"publish"}
SCHEDULED = {"future"}
DRAFTS = {"draft", "pending", "private"}
IGNORED_STATUSES = {"trash", "auto-draft", "inherit"}
# Categories nobody chose: WordPress files a post here when none was given.
DEFAULT_SKIP = {"uncategorized"}
BATCH = 100  # posts between two changes of the caches' validators
IGNORED_TAXONOMIES = {"post_format", "author", "nav_menu", "link_category"}

TITLE_MAX = Article._meta.get_field("title").max_length
SLUG_MAX = Article._meta.get_field("slug").max_length
STANDFIRST_MAX = Article._meta.get_field("standfirst").max_length
CAPTION_MAX = Article._meta.get_field("image_caption").max_length
TAG_MAX = Tag._meta.get_field("name").max_length


@dataclass
class Problem:
    wp_id: int | None
    title: str
    message: str


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    posts: int = 0
    not_posts: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def problem(self, post, message):
        self.problems.append(Problem(post.wp_id, post.title, message))

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data or {})
        problems = [Problem(**problem) for problem in data.pop("problems", [])]
        return cls(**data, problems=problems)

    def summary(self):
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }
        if self.dry_run:
            text = _(
                "Dry run, nothing was saved: %(created)s would be imported, "
                "%(updated)s updated, %(unchanged)s are unchanged, %(skipped)s "
                "would be skipped."
            )
        else:
            text = _(
                "%(created)s imported, %(updated)s updated, %(unchanged)s "
                "unchanged, %(skipped)s skipped."
            )
        return text % counts

    def lines(self):
        """The report as lines for a terminal."""
        yield self.summary()
        if self.not_posts:
            yield _(
                "%(count)s items that are not posts (pages, menus, revisions) "
                "were not imported."
            ) % {"count": self.not_posts}
        for warning in self.warnings:
            yield _("Warning: %(warning)s") % {"warning": warning}
        if self.problems:
            yield _("%(count)s problems:") % {"count": len(self.problems)}
            for problem in self.problems:
                yield f"  post {problem.wp_id} “{problem.title}”: {problem.message}"
        if self.error:
            yield _("Stopped: %(error)s") % {"error": self.error}


def site_key(site, source=""):
    """A WordPress site, as post ids and logins are unique within it."""
    link = ""
    if site is not None:
        link = site.base_blog_url or site.link or site.base_site_url
    parts = urlsplit(link or "")
    host = (parts.hostname or "").lower()
    return f"{host}{parts.path.rstrip('/')}" or str(source)


def old_path(link):
    """The path of a post's WordPress address, "" if it has none of its own
    (plain permalinks: ``/?p=123``, answered by id instead)."""
    path = unquote(urlsplit(link or "").path) or "/"
    if path == "/" or len(path) > WordPressPost._meta.get_field("path").max_length:
        return ""
    return path


def plain_text(value):
    """Text of a WordPress title or excerpt: no tags, entities decoded."""
    return " ".join(html.unescape(strip_tags(value or "")).split())


def _cut(text, limit):
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


def _digest(post, attachment):
    data = {
        "title": post.title,
        "slug": post.slug,
        "content": post.content,
        "excerpt": post.excerpt,
        "status": post.status,
        "date": str(post.published_gmt or post.published_local or ""),
        "authors": list(post.authors),
        "terms": sorted([term.taxonomy, term.slug, term.name] for term in post.terms),
        "image": asdict(attachment) if attachment else None,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class Importer:
    """Imports one export. ``user`` must be allowed to publish (every article
    is written through the desk, in their name); ``progress(done, total)`` is
    called after each post."""

    def __init__(
        self, *, user, mapping=None, images=None, dry_run=False, progress=None
    ):
        if not permissions.can_publish(user):
            raise PermissionError(
                _("%(user)s may not publish, so may not import.") % {"user": user}
            )
        self.user = user
        self.mapping = mapping or Mapping()
        self.images = images or ImageSource()
        if dry_run:
            self.images.store = False
        self.dry_run = dry_run
        self.progress = progress
        self.report = Report(dry_run=dry_run)

    # The two passes -------------------------------------------------------

    def run(self, source):
        """Import the export at ``source`` (a path, or a file object that can
        be read twice) and return the :class:`Report`."""
        try:
            scanned = wxr.scan(source)
        except wxr.ExportError as error:
            # A file cut off (a broken download) still gives the posts before
            # the break; one refused as unsafe or unreadable gives none.
            scanned = getattr(error, "partial", None)
            if scanned is None or not scanned.post_count:
                self.report.error = str(error)
                return self.report
        self.site, self.wp_authors, terms, self.attachments, total = scanned
        self.site_key = site_key(self.site, source)
        self.category_parents = {
            term.slug: term.parent for term in terms if term.taxonomy == "category"
        }
        self.category_terms = {
            term.slug: term for term in terms if term.taxonomy == "category"
        }
        if self.site is not None and self.site.link:
            host = urlsplit(self.site.base_site_url or self.site.link).hostname
            if host:
                self.images.hosts.add(host.lower())
        self._authors = {}
        self._subjects = {}
        self._ignored_taxonomies = set()
        if hasattr(source, "seek"):
            source.seek(0)
        export = wxr.Export(source)
        done = 0
        # Readers' caches hear of each batch of posts once (see
        # publication.surrogates.deferred), not of every post.
        batch = contextlib.ExitStack()
        try:
            for item in export:
                if not isinstance(item, wxr.WPPost):
                    continue
                if item.post_type != "post":
                    self.report.not_posts += 1
                    continue
                if done % BATCH == 0:
                    batch.close()
                    batch.enter_context(surrogates.deferred())
                self.report.posts += 1
                self.import_post(item)
                done += 1
                if self.progress is not None:
                    self.progress(done, total)
        except wxr.ExportError as error:
            self.report.error = str(error)
        finally:
            batch.close()
        self.report.warnings.extend(export.warnings)
        for taxonomy in sorted(self._ignored_taxonomies):
            self.report.warnings.append(
                _("Terms of the taxonomy “%(taxonomy)s” were not imported.")
                % {"taxonomy": taxonomy}
            )
        return self.report

    def import_post(self, post):
        if post.password and post.status in PUBLISHED | SCHEDULED:
            # Readers needed a password in WordPress: not public here either.
            post = replace(post, status="private")
        attachment = self.attachments.get(post.thumbnail_id)
        digest = _digest(post, attachment)
        record = WordPressPost.objects.filter(
            site=self.site_key, wp_id=post.wp_id
        ).first()
        if record is None and post.status in IGNORED_STATUSES:
            self.report.skipped += 1
            return
        if record is not None and record.digest == digest:
            self.report.unchanged += 1
            return
        if record is not None and record.article_id is None:
            self.report.skipped += 1
            self.report.problem(
                post,
                _(
                    "Its article was deleted here after an earlier import; "
                    "not re-created."
                ),
            )
            return
        problems = []
        if post.password:
            problems.append(
                _("It was password-protected in WordPress: imported as a draft.")
            )
        try:
            with transaction.atomic(), desk.desk():
                if record is None:
                    self._create(post, digest, problems)
                    self.report.created += 1
                else:
                    self._update(record, post, digest, problems)
                    self.report.updated += 1
                if self.dry_run:
                    transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - any failure skips this post only
            self.report.skipped += 1
            self.report.problem(
                post, _("Not imported: %(error)s") % {"error": _text(error)}
            )
        finally:
            if self.dry_run:
                # What the rolled-back post created is gone again.
                self._authors.clear()
                self._subjects.clear()
        for message in problems:
            self.report.problem(post, message)

    # One post -------------------------------------------------------------

    def _create(self, post, digest, problems):
        state = self.state_for(post, None, problems)
        publish_at = self.publish_time(post, problems)
        publish = post.status in PUBLISHED or (
            post.status in SCHEDULED and publish_at is not None
        )
        if post.status in SCHEDULED and publish_at is None:
            problems.append(_("Scheduled without a date: imported as a draft."))
        message = _("Imported from WordPress (post %(id)s)") % {"id": post.wp_id}
        arrival = {"user": self.user, "publish": publish, "publish_at": publish_at}
        article = Article()
        try:
            desk.arrived(article, state, message=message, **arrival)
        except ValidationError as error:
            if not _slug_refused(error):
                raise
            # Another article has (or had) the slug: the next free one.
            state["slug"] = self.slug_for(post, state["title"], None, [])
            article = Article()
            desk.arrived(article, state, message=message, **arrival)
        self._moved(post, state["slug"], state["title"], problems)
        WordPressPost.objects.create(
            site=self.site_key,
            wp_id=post.wp_id,
            path=old_path(post.link),
            article=article,
            digest=digest,
            imported_state=state,
            wp_status=post.status,
        )

    def _update(self, record, post, digest, problems):
        article = Article.objects.select_for_update().get(pk=record.article_id)
        state = self.state_for(post, article, problems)
        current = desk.editable_state(article)
        # Fields WordPress changed since the last import take its new value;
        # the others keep what editors made of them here.
        merged = dict(current)
        for key, value in state.items():
            if value != record.imported_state.get(key):
                merged[key] = value
        had_draft = desk.working_draft(article) is not None
        changed = merged != current
        status_changed = post.status != record.wp_status
        message = _("Updated from WordPress (post %(id)s)") % {"id": post.wp_id}
        if changed:
            desk.save(article, user=self.user, message=message, state=merged)
        publish_at = self.publish_time(post, problems)
        going_out = status_changed and post.status not in PUBLISHED | SCHEDULED
        if article.is_public or article.is_scheduled:
            if going_out:
                desk.unpublish(article, user=self.user)
                problems.append(
                    _("It is %(status)s in WordPress now: unpublished here.")
                    % {"status": post.status}
                )
            elif changed and had_draft:
                problems.append(
                    _(
                        "It has draft changes made here: the WordPress changes "
                        "were added to that draft, not published."
                    )
                )
            elif changed or status_changed:
                when = publish_at if post.status in SCHEDULED else None
                desk.publish(article, user=self.user, when=when)
        elif status_changed and post.status in PUBLISHED | SCHEDULED:
            article.refresh_from_db()
            if post.status in PUBLISHED and publish_at is not None:
                article.publish_at = publish_at
                article.save(update_fields=["publish_at", "updated_at"])
            self._set_status(article, post, publish_at, problems)
        record.digest = digest
        record.imported_state = state
        record.wp_status = post.status
        record.path = old_path(post.link) or record.path
        record.save()

    def _set_status(self, article, post, publish_at, problems):
        if post.status in PUBLISHED:
            desk.publish(article, user=self.user)
        elif post.status in SCHEDULED:
            if publish_at is None:
                problems.append(_("Scheduled without a date: imported as a draft."))
            else:
                desk.publish(article, user=self.user, when=publish_at)

    def publish_time(self, post, problems):
        if post.published_gmt is not None:
            return post.published_gmt
        if post.published_local is not None:
            if post.status in PUBLISHED | SCHEDULED:
                problems.append(
                    _("No GMT date: its local date was read in %(zone)s.")
                    % {"zone": timezone.get_current_timezone_name()}
                )
            return timezone.make_aware(post.published_local)
        return None

    # The article's state ----------------------------------------------------

    def state_for(self, post, article, problems):
        title, cut = _cut(plain_text(post.title), TITLE_MAX)
        if not title:
            title = _("Untitled (WordPress post %(id)s)") % {"id": post.wp_id}
            problems.append(_("It has no title."))
        elif cut:
            problems.append(
                _("Its title was shortened to %(max)s characters.") % {"max": TITLE_MAX}
            )
        standfirst, cut = _cut(plain_text(post.excerpt), STANDFIRST_MAX)
        if cut:
            problems.append(
                _("Its excerpt was shortened to %(max)s characters for the standfirst.")
                % {"max": STANDFIRST_MAX}
            )
        converted = content.convert(
            post.content,
            attachments=self.attachments,
            post_id=post.wp_id,
            footnotes=post.meta.get("footnotes"),
            resolve_image=self._inline_image(problems),
        )
        problems.extend(converted.problems)
        state = dict.fromkeys(FIELDS, "")
        state.update(
            {
                "title": title,
                # A new article's slug is checked once, by its validation
                # (see _create), not here as well.
                "slug": self.slug_for(post, title, article, problems)
                if article is not None
                else _wanted_slug(post, title),
                "standfirst": standfirst,
                "body": converted.html,
                "featured_image_renditions": [],
                "original_published_at": None,
                "is_original_canonical": False,
                "is_reprintable": True,
                "authors": [author.pk for author in self.authors_of(post)],
                "regions": [],
                "themes": [],
                "reports": [],
                "tags": [],
            }
        )
        self._file_under(post, state)
        self._featured_image(post, state, problems)
        return state

    def slug_for(self, post, title, article, problems):
        wanted = _wanted_slug(post, title)
        own = article.pk if article is not None else None
        if article is not None and article.slug == wanted:
            return wanted
        slug, number = wanted, 1
        while Article.objects.filter(slug=slug).exclude(
            pk=own
        ).exists() or former_owner_id(Article, slug) not in (None, own):
            number += 1
            suffix = f"-{number}"
            slug = wanted[: SLUG_MAX - len(suffix)] + suffix
        self._moved(post, slug, title, problems)
        return slug

    def _moved(self, post, slug, title, problems):
        if slug != (post.slug or _wanted_slug(post, title)):
            problems.append(
                _("Its address is now /articles/%(slug)s/ (WordPress: “%(old)s”).")
                % {"slug": slug, "old": post.slug}
            )

    def authors_of(self, post):
        authors = []
        for login in post.authors:
            author = self._author(login)
            if author is not None and author not in authors:
                authors.append(author)
        return authors

    def _author(self, login):
        if not login:
            return None
        if login in self._authors:
            return self._authors[login]
        known = (
            WordPressAuthor.objects.filter(site=self.site_key, login=login)
            .select_related("author")
            .first()
        )
        if known is not None:
            author = known.author
        else:
            wp = self.wp_authors.get(login)
            name = ""
            if wp is not None:
                name = wp.display_name or f"{wp.first_name} {wp.last_name}".strip()
            name = (name or login).strip()[: Author._meta.get_field("name").max_length]
            author = Author.objects.create(
                name=name, slug=_free_slug(Author, name, login)
            )
            WordPressAuthor.objects.create(
                site=self.site_key, login=login, author=author
            )
        self._authors[login] = author
        return author

    def _ancestors(self, slug):
        seen = []
        parent = self.category_parents.get(slug, "")
        while parent and parent not in seen:
            seen.append(parent)
            parent = self.category_parents.get(parent, "")
        return seen

    def _file_under(self, post, state):
        skip = self.mapping.skip | (DEFAULT_SKIP - self._chosen())
        tags = []
        for term in post.terms:
            if term.taxonomy == "post_tag":
                tags.append(term.name or term.slug)
                continue
            if term.taxonomy != "category":
                if term.taxonomy not in IGNORED_TAXONOMIES:
                    self._ignored_taxonomies.add(term.taxonomy)
                continue
            if term.slug in skip:
                continue
            kind = self.mapping.kind_of(term.slug, self._ancestors(term.slug))
            if kind == "skip":
                continue
            if kind == "tags":
                tags.append(term.name or term.slug)
                continue
            subject = self._subject(kind, term)
            if kind == "reports":
                if subject.pk not in [pk for pk, _position in state["reports"]]:
                    state["reports"].append(
                        [subject.pk, self._report_position(subject)]
                    )
            elif subject.pk not in state[kind]:
                state[kind].append(subject.pk)
        state["regions"].sort()
        state["themes"].sort()
        state["reports"].sort()
        state["tags"] = sorted(
            {
                name.strip()[:TAG_MAX].lower(): name.strip()[:TAG_MAX]
                for name in tags
                if name.strip()
            }.values(),
            key=str.lower,
        )

    def _chosen(self):
        return self.mapping.regions | self.mapping.themes | self.mapping.reports

    def _subject(self, kind, term):
        key = (kind, term.slug)
        if key in self._subjects:
            return self._subjects[key]
        known = self.category_terms.get(term.slug)
        name = html.unescape((known.name if known else "") or term.name or term.slug)
        description = plain_text(known.description) if known else ""
        slug = slugify(term.slug) or slugify(name)
        if kind == "reports":
            subject = InDepthReport.objects.filter(slug=slug).first()
            if subject is None:
                subject = InDepthReport.objects.create(
                    title=name[:200],
                    slug=_free_slug(InDepthReport, slug, term.slug),
                    introduction=description,
                )
        else:
            model = Region if kind == "regions" else Theme
            subject = (
                model.objects.filter(slug=slug).first()
                or model.objects.filter(name__iexact=name).first()
            )
            if subject is None:
                subject = model.objects.create(
                    name=name[:120],
                    slug=_free_slug(model, slug, term.slug),
                    description=description,
                )
        self._subjects[key] = subject
        return subject

    def _report_position(self, report):
        last = report.entries.aggregate(last=Max("position"))["last"]
        return 0 if last is None else last + 1

    def _featured_image(self, post, state, problems):
        if post.thumbnail_id is None:
            return
        attachment = self.attachments.get(post.thumbnail_id)
        if attachment is None:
            problems.append(
                _("Its featured image (attachment %(id)s) is not in the export.")
                % {"id": post.thumbnail_id}
            )
            return
        try:
            name, renditions = self.images.stored(attachment.url, attachment.file)
        except ImageUnavailable as error:
            problems.append(
                _("Featured image %(url)s left out: %(reason)s.")
                % {"url": attachment.url, "reason": error}
            )
            return
        if not name:  # a dry run: it would be imported
            return
        caption, _cut_caption = _cut(plain_text(attachment.caption), CAPTION_MAX)
        alt = plain_text(attachment.alt)
        if not alt:
            alt = plain_text(attachment.title) or state["title"]
            problems.append(
                _(
                    "Its featured image has no alt text in WordPress: “%(alt)s” "
                    "is used; describe the image instead."
                )
                % {"alt": alt[:300]}
            )
        credit = plain_text(attachment.credit) or plain_text(attachment.caption)
        if not credit:
            credit = self.site.title if self.site and self.site.title else ""
            credit = credit or _("WordPress archive")
            problems.append(
                _(
                    "Its featured image has no credit in WordPress: “%(credit)s” "
                    "is used; name the photographer or licence."
                )
                % {"credit": credit[:200]}
            )
        state["featured_image"] = name
        state["featured_image_renditions"] = renditions
        state["image_alt"] = alt[:300]
        state["image_caption"] = caption
        state["image_credit"] = credit[:200]

    def _inline_image(self, problems):
        def resolve(src):
            try:
                return self.images.url(src)
            except ImageUnavailable as error:
                problems.append(
                    _("Image %(url)s left out: %(reason)s.")
                    % {"url": src, "reason": error}
                )
                return None

        return resolve


def _wanted_slug(post, title):
    wanted = slugify(post.slug) or slugify(title) or f"post-{post.wp_id}"
    return wanted[:SLUG_MAX].strip("-")


def _slug_refused(error):
    """Whether validation refused the slug as another article's (now or
    formerly)."""
    refused = getattr(error, "error_dict", {}).get("slug", [])
    return any(item.code in {"unique", "former_slug"} for item in refused)


def _free_slug(model, wanted, fallback):
    field = model._meta.get_field("slug")
    base = (slugify(wanted) or slugify(fallback) or model._meta.model_name)[
        : field.max_length
    ].strip("-")
    slug, number = base, 1
    while model._default_manager.filter(slug=slug).exists() or former_owner_id(
        model, slug
    ):
        number += 1
        suffix = f"-{number}"
        slug = base[: field.max_length - len(suffix)] + suffix
    return slug


def _text(error):
    messages = getattr(error, "messages", None)
    if messages:
        return " ".join(messages)
    return str(error) or error.__class__.__name__
