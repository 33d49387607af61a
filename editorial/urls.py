from django.urls import path

from . import preview

app_name = "editorial"

urlpatterns = [
    path("preview/<str:signed>/", preview.shared, name="preview"),
]
