"""``reverse()`` for the addresses every page links to, remembered.

Django's ``reverse()`` costs tens of microseconds, and a list of twenty cards
calls it some eighty times (each article, each author of each byline). The
address for a URL name and its arguments changes only with the URLconf and
the script prefix, so both are part of what is remembered; a change of
``ROOT_URLCONF`` (tests) forgets everything.
"""

import functools

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse

# The most recent addresses: the authors, regions and themes every page names
# stay; articles come and go.
REMEMBERED = 4096


@functools.lru_cache(maxsize=REMEMBERED)
def _reverse(viewname, args, kwargs, urlconf, prefix):
    return reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def address(viewname, *args, **kwargs):
    """``reverse(viewname, args=args, kwargs=kwargs)``, remembered."""
    return _reverse(
        viewname,
        args,
        tuple(sorted(kwargs.items())),
        get_urlconf(),
        get_script_prefix(),
    )


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


setting_changed.connect(_forget, dispatch_uid="publication-links-forget")
