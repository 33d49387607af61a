from django.urls import path

from . import docs
from .views import api

urlpatterns = [
    path("docs/", docs.docs, name="api_docs"),
    path("", api.urls),
]
