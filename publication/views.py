from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from .caching import public
from .models import NoticeVersion
from .notices import current_notices
from .surrogates import IDENTITY, NOTICES


@method_decorator(public(NOTICES, IDENTITY), name="dispatch")
class NoticePageView(TemplateView):
    """A page showing the current version of one or more site notices."""

    kinds = ()

    def get_context_data(self, **kwargs):
        notices = current_notices()
        return super().get_context_data(
            notices=[notices[kind] for kind in self.kinds if kind in notices],
            **kwargs,
        )


class DisclaimerView(NoticePageView):
    template_name = "publication/disclaimer.html"
    kinds = (NoticeVersion.Kind.DISCLAIMER,)


# The error views: Django's own are wrapped in requires_csrf_token, which reads
# request.POST; when the body itself is the error (a charset Django refuses),
# that raises again while the error page is made and the client gets the WSGI
# server's bare 500 without the security headers. These never read the body.
# 400 and 500 render without the request (a refused Host or a broken database
# must not break the page that reports it).


def bad_request(request, exception):
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def permission_denied(request, exception):
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


def page_not_found(request, exception):
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    return HttpResponseServerError(loader.render_to_string("500.html"))
