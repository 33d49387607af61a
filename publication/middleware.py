from django.core.exceptions import BadRequest


class RejectNulBytesMiddleware:
    """A NUL byte in the address or a form is a 400, never a 500: PostgreSQL
    refuses NUL in text, so any view that looks such a value up would fail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path]
        for data in (request.GET, request.POST):
            for key, items in data.lists():
                values.append(key)
                values.extend(items)
        if any("\x00" in value for value in values):
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)
