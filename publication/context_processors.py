from django.conf import settings


def publication(request):
    """The publication's name and address, for every template."""
    return {
        "publication_name": settings.PUBLICATION_NAME,
        "site_url": settings.SITE_URL,
    }
