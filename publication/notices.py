"""Reading the site notices: the versions in force now, or at a pinned time.

Every version is kept in the shared cache (``publication.cached``, dropped when
one is saved or deleted), so which one is in force at a time is picked in
memory: no query while cached."""

from django.utils import timezone

from . import cached
from .models import NoticeVersion


@cached.shared("notice-versions", "publication.NoticeVersion")
def notice_versions():
    """Every notice version, newest first within each kind."""
    return list(NoticeVersion.objects.order_by("kind", "-created_at", "-pk"))


def notices_at(when=None):
    """A dict kind -> NoticeVersion in force at ``when`` (now if None): for each
    kind, the newest version created at or before it. Kinds never written are
    missing from the dict."""
    when = when or timezone.now()
    in_force = {}
    for version in notice_versions():
        if version.kind not in in_force and version.created_at <= when:
            in_force[version.kind] = version
    return in_force


def current_notices():
    return notices_at(timezone.now())


def current_notice(kind):
    """The version of one kind in force now, or None."""
    return (
        NoticeVersion.objects.filter(kind=kind, created_at__lte=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )
