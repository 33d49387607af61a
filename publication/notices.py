"""Reading the site notices: the versions in force now, or at a pinned time."""

from django.utils import timezone

from .models import NoticeVersion


def notices_at(when=None):
    """A dict kind -> NoticeVersion in force at ``when`` (now if None), in one
    query. Kinds never written are missing from the dict."""
    when = when or timezone.now()
    versions = NoticeVersion.objects.in_force_at(when)
    return {version.kind: version for version in versions}


def current_notices():
    return notices_at(timezone.now())


def current_notice(kind):
    """The version of one kind in force now, or None."""
    return (
        NoticeVersion.objects.filter(kind=kind, created_at__lte=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )
