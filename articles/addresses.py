"""Finding what a public address names, old addresses included.

Every public page and feed that takes a slug (an article, a region, theme,
report, author or tag, and their feeds) looks it up with :func:`get_by_slug`
and is wrapped in :func:`follow_former_slugs` (``articles/urls.py``): a former
slug of an object the reader may see answers ``301`` to the same page (or
feed) at its current address, query string kept; anything else answers 404
exactly as before. Visibility stays with each view's queryset, so the former
address of an article that is no longer public is a 404 like any other.
"""

from functools import wraps

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.encoding import iri_to_uri

from publication.addresses import former_owner_id


class Moved(Exception):
    """The slug asked for is a former slug; ``slug`` is the current one."""

    def __init__(self, slug):
        super().__init__(slug)
        self.slug = slug


def get_by_slug(queryset, slug, *, visible=None):
    """The object of ``queryset`` with this slug. If none has it but it is a
    former slug of an object in ``visible`` (default: ``queryset``), raise
    :class:`Moved` (answered by :func:`follow_former_slugs`); else Http404."""
    model = queryset.model
    try:
        return queryset.get(slug=slug)
    except model.DoesNotExist:
        pass
    owner_id = former_owner_id(model, slug)
    if owner_id is not None:
        visible = queryset if visible is None else visible
        current = visible.filter(pk=owner_id).values_list("slug", flat=True).first()
        if current and current != slug:
            raise Moved(current)
    raise Http404(f"No {model._meta.verbose_name} at this address")


def follow_former_slugs(model):
    """Decorate a view taking ``slug``: answer :class:`Moved` with one 301 to
    the same URL name at the current slug. A revalidation of a former address
    gets the 301 too (``publication.caching`` answers 304 only for a 200)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except Moved as moved:
                match = request.resolver_match
                location = reverse(
                    match.view_name, args=args, kwargs={**kwargs, "slug": moved.slug}
                )
                query = request.META.get("QUERY_STRING", "")
                if query:
                    location = f"{location}?{iri_to_uri(query)}"
                # Public like the page it replaces (publication.caching).
                return HttpResponsePermanentRedirect(location)

        return wrapped

    return decorator
