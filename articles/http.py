"""HTTP caching for public pages: Cache-Control, Vary and conditional GET.

Anonymous readers get ``Cache-Control: public, max-age=300`` so a CDN or nginx can
serve most reads; a signed-in user (staff previewing unpublished work, or seeing
the "not public" banner) gets ``private, no-store``. Every public response varies
on Cookie. Article pages and feeds also answer ``If-None-Match`` /
``If-Modified-Since`` with 304, from a Last-Modified computed with two cheap
indexed aggregates, so a revalidation never renders a template.
"""

import hashlib
from functools import wraps

from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from .selectors import latest_changes

PUBLIC_MAX_AGE = 300


def site_last_modified():
    """When anything a public page shows last changed.

    The latest edit to any article (a listing, feed or the related articles on
    any page may change with it) or the latest publication time that has passed
    (a scheduled article appearing changes listings without any row changing).
    """
    edited, published, _author = latest_changes()
    return max((when for when in (edited, published) if when), default=None)


def article_last_modified():
    """Like :func:`site_last_modified`, and an author's bio or photo changing.

    Deliberately the same for every slug: a draft's address must answer exactly
    like a missing one, headers included.
    """
    changes = latest_changes(authors=True)  # one query for the three
    return max((when for when in changes if when), default=None)


def is_private(request):
    return request.user.is_authenticated


def cache_headers(response, request):
    """Cache-Control and Vary for a public page, depending on who asked."""
    if is_private(request):
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


def public_cache(view):
    """Decorate a view with :func:`cache_headers`."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return cache_headers(view(request, *args, **kwargs), request)

    return wrapped


def conditional(last_modified_func):
    """Conditional GET for anonymous readers, plus :func:`cache_headers`.

    ``last_modified_func(request, *args, **kwargs)`` returns a datetime or None.
    Signed-in users always get a full, uncacheable response (their pages may
    carry a preview banner or the editor's links).
    """

    def last_modified(request, *args, **kwargs):
        # condition() asks for the ETag and Last-Modified separately: compute once.
        if not hasattr(request, "_imprint_last_modified"):
            request._imprint_last_modified = last_modified_func(
                request, *args, **kwargs
            )
        return request._imprint_last_modified

    def etag_func(request, *args, **kwargs):
        when = last_modified(request, *args, **kwargs)
        if when is None:
            return None
        seed = f"{request.get_full_path()}|{when.isoformat()}"
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

    def decorator(view):
        conditional_view = condition(
            etag_func=etag_func, last_modified_func=last_modified
        )(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if is_private(request):
                response = view(request, *args, **kwargs)
            else:
                response = conditional_view(request, *args, **kwargs)
            return cache_headers(response, request)

        return wrapped

    return decorator
