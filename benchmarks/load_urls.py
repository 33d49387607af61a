"""The site's URLs plus ``/bench/bare/``: a view that does nothing, so the load
benchmark can compare each page with what Django and gunicorn cost alone."""

from django.http import HttpResponse
from django.urls import path

from publication import urls

handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500


def bare(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    *urls.urlpatterns,
]
