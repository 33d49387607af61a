from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

admin.site.site_header = "Imprint"
admin.site.site_title = "Imprint editor"
admin.site.index_title = "Editor admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("publication.notice_urls")),
    path("", include("reprints.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
