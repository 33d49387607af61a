"""What every response under ``/api/`` carries: CORS for reading from any
origin, an answer to preflights, HEAD as GET, and the per-client rate limit."""

from django.http import HttpResponse, JsonResponse

from . import limits

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
    return response


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = (
                "If-None-Match, If-Modified-Since"
            )
            response["Access-Control-Max-Age"] = "86400"
            return cors(response)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"detail": "Read-only API."}, status=405)
            response["Allow"] = ALLOWED_METHODS
            return cors(response)
        wait = limits.over_limit(request)
        if wait is not None:
            response = JsonResponse(
                {"detail": "Too many requests.", "retry_after": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return cors(response)
        is_head = request.method == "HEAD"
        if is_head:
            # The routes answer GET; a HEAD is the same response without a body.
            request.method = "GET"
        response = self.get_response(request)
        if is_head:
            request.method = "HEAD"
            if not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
        return cors(response)
