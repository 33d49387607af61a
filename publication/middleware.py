from django.http import Http404


class RejectNulBytesMiddleware:
    """PostgreSQL refuses NUL bytes in text, so a view that looked one up would
    fail with a 500. An address with a NUL is no page (404); NULs in the query
    string are dropped, so a search or a filter still gives a normal page. Form
    fields refuse NUL themselves (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page")
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
