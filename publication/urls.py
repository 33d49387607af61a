from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.static import serve

admin.site.site_header = "Imprint"
admin.site.site_title = "Imprint editor"
admin.site.index_title = "Editor admin"

handler400 = "publication.views.bad_request"
handler403 = "publication.views.permission_denied"
handler404 = "publication.views.page_not_found"
handler500 = "publication.views.server_error"

urlpatterns = [
    # Before the admin's own: its "View on site" redirect shows every staff
    # account an unpublished article's address. Any spelling of the type's id
    # comes here (int() would read non-ASCII digits the admin's route lets by).
    path("admin/r/", include("editorial.shortcut_urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"))),
    path("", include("publication.notice_urls")),
    path("", include("reprints.urls")),
    path("", include("editorial.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("articles.urls")),
]


def serve_media(request, path):
    """Uploaded files, in the embedded default (read MEDIA_ROOT per request)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_media)
    )
