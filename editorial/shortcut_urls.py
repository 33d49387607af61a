"""The admin's "View on site" (``/admin/r/<type>/<id>/``), routed before the
admin's own by the root URLconf: see ``views.view_on_site``."""

from django.contrib import admin
from django.urls import path

from .views import view_on_site

urlpatterns = [
    path(
        "<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
]
