"""The site's URLs plus the benchmark's baseline admin (``benchmarks.baseline_admin``),
used only while ``python -m benchmarks`` times the admin list."""

from django.urls import path

from publication import urls

from . import baseline_admin

handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500

urlpatterns = [
    path("bench-baseline-admin/", baseline_admin.build().urls),
    *urls.urlpatterns,
]
