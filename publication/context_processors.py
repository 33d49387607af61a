from django.conf import settings

from .models import current_identity


def publication(request):
    """The publication's name and address, for every template. The identity is
    shared through the cache (``publication.cached``), so this costs no query
    on most requests."""
    identity = current_identity()
    return {
        "publication_name": identity.name,
        "publication_identity": identity,
        "site_url": settings.SITE_URL,
    }
