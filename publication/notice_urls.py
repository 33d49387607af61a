from django.urls import path

from . import views

app_name = "publication"

urlpatterns = [
    path("disclaimer/", views.DisclaimerView.as_view(), name="disclaimer"),
]
