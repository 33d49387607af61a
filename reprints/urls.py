from django.urls import path

from . import views

app_name = "reprints"

urlpatterns = [
    path("reprints/", views.ReprintPolicyView.as_view(), name="policy"),
    path("reprints/request/", views.ReprintRequestView.as_view(), name="request"),
    path(
        "reprints/request/sent/<str:signed>/",
        views.RequestSentView.as_view(),
        name="request_sent",
    ),
    path("reprints/verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path(
        "contact/sent/<str:signed>/",
        views.ContactSentView.as_view(),
        name="contact_sent",
    ),
]
