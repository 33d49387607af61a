"""Addresses that never die: an object's former slugs redirect to it.

When the slug of an article, report, author, region, theme or tag changes, the
old slug is stored in :class:`~publication.models.FormerSlug`, pointing at the
object (not at the new slug), so a chain a→b→c still answers one hop from a or
b to c. The receivers below keep the table; the app that knows the models
(``articles``, which refers to all of them) connects them in its ``ready()``.

Rules:
- a slug that becomes current again for the same object stops redirecting;
- a slug that redirects is refused for another object in forms
  (:func:`check_slug_is_free`, called from ``validate_unique`` by
  :class:`~publication.models.KeepsFormerSlugs`);
- a save that skips validation (the shell, an importer) and takes another
  object's former slug wins: the current slug is served, the redirect is
  dropped. New tags, whose slugs taggit makes from their names, take the
  suffixed slug taggit uses for a collision instead (``rivers_1``).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import FormerSlug


def former_slugs(model):
    return FormerSlug.objects.filter(
        content_type_id=ContentType.objects.get_for_model(model).pk
    )


def former_owner_id(model, slug):
    """The pk of the object of ``model`` that used to have ``slug``, or None."""
    return (
        former_slugs(model).filter(slug=slug).values_list("object_id", flat=True)
    ).first()


def check_slug_is_free(instance, field="slug"):
    """Refuse a slug that is another object's former address (it redirects
    there): raise a ValidationError on ``field`` naming that object."""
    slug = getattr(instance, field)
    if not slug:
        return
    model = type(instance)
    owner_id = former_owner_id(model, slug)
    if owner_id is None or owner_id == instance.pk:
        return
    owner = model._default_manager.filter(pk=owner_id).first()
    if owner is None:
        return
    raise ValidationError(
        {
            field: ValidationError(
                _(
                    "This address used to belong to “%(owner)s” and now "
                    "redirects there; choose another."
                ),
                code="former_slug",
                params={"owner": owner},
            )
        }
    )


# Receivers ---------------------------------------------------------------------


def remember_slug(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save: note the stored slug, for :func:`record_former_slug`."""
    instance._stored_slug = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "slug" not in update_fields:
        return
    instance._stored_slug = (
        sender._default_manager.filter(pk=instance.pk)
        .values_list("slug", flat=True)
        .first()
    )


def record_former_slug(sender, instance, raw=False, **kwargs):
    """post_save: the stored slug, if it changed, now redirects here; the new
    slug, whoever it redirected to, is current and redirects no more."""
    if raw:
        return
    old = getattr(instance, "_stored_slug", None)
    instance._stored_slug = None
    if not kwargs.get("created") and (not old or old == instance.slug):
        return  # the usual save: the slug did not change, nothing to write
    rows = former_slugs(sender)
    if not old or old == instance.slug:
        # A new object: one statement, no savepoint needed.
        if instance.slug:
            rows.filter(slug=instance.slug).delete()
        return
    with transaction.atomic(using=instance._state.db):
        if instance.slug:
            rows.filter(slug=instance.slug).delete()
        rows.filter(slug=old).delete()
        FormerSlug.objects.create(
            content_type=ContentType.objects.get_for_model(sender),
            object_id=instance.pk,
            slug=old,
        )


def forget_former_slugs(sender, instance, **kwargs):
    """post_delete: a deleted object's old addresses answer 404 and are free."""
    former_slugs(sender).filter(object_id=instance.pk).delete()


def avoid_former_slug(sender, instance, raw=False, **kwargs):
    """pre_save of a new tag: taggit made its slug from the name; if that slug
    redirects to another tag, take taggit's next suffixed slug instead."""
    if raw or not instance._state.adding or not instance.slug:
        return
    if former_owner_id(sender, instance.slug) is None:
        return
    taken = set(
        sender._default_manager.filter(slug__startswith=instance.slug).values_list(
            "slug", flat=True
        )
    ) | set(
        former_slugs(sender)
        .filter(slug__startswith=instance.slug)
        .values_list("slug", flat=True)
    )
    number = 1
    while (slug := instance.slugify(instance.name, number)) in taken:
        number += 1
    instance.slug = slug
