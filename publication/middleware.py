import unicodedata

from django.core.exceptions import BadRequest
from django.http import Http404


def has_control_character(value):
    return any(unicodedata.category(char) == "Cc" for char in value)


class RejectNulBytesMiddleware:
    """PostgreSQL refuses NUL bytes in text, so a view that looked one up would
    fail with a 500. An address with a NUL is no page (404); NULs in the query
    string and in headers are dropped, so a search or a filter still gives a
    normal page and django-axes can store the user agent. Form fields refuse NUL
    themselves (Django's ProhibitNullCharactersValidator).

    Cookies carrying a control character (a quoted cookie can spell NUL as
    ``\\000``) are dropped before SessionMiddleware reads them: no cookie Imprint
    sets has one (RFC 6265 forbids them), and the session key goes straight
    into a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page")
        for key, value in list(request.META.items()):
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                request.META[key] = value.replace("\x00", "")
        cookies = request.COOKIES
        if any(has_control_character(value) for value in cookies.values()):
            request.COOKIES = {
                name: value
                for name, value in cookies.items()
                if not has_control_character(value)
            }
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            cleaned = request.GET.copy()
            for key, values in list(cleaned.lists()):
                del cleaned[key]
                cleaned.setlist(
                    key.replace("\x00", ""),
                    [value.replace("\x00", "") for value in values],
                )
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


class RejectUndecodableFormsMiddleware:
    """A form body Django will not decode is a 400, answered here.

    Django reads ``application/x-www-form-urlencoded`` as UTF-8 only and raises
    ``BadRequest`` for any other declared charset (utf-16, latin-1) wherever
    ``request.POST`` is first read: in CsrfViewMiddleware, a view, or Django's
    own error views, whose ``requires_csrf_token`` reads it again while the
    error page is being made (gunicorn's bare 500). Refusing before anything
    reads the body keeps that to one place; the project's error views
    (publication/views.py) never read it either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and request.encoding is not None
            and request.encoding.lower() != "utf-8"
        ):
            raise BadRequest("A form body must be UTF-8.")
        return self.get_response(request)
