"""What the editor login hands to django-axes."""

from django.conf import settings


def axes_username(request, credentials=None):
    """The user name django-axes records a login attempt under, cut to the
    length of its columns (255): a longer name is an ordinary failed login, not
    a DataError on PostgreSQL. Lockouts then count the first 255 characters,
    which no real user name reaches (the user model allows 150)."""
    from axes.models import AccessAttempt

    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username)[: AccessAttempt._meta.get_field("username").max_length]
