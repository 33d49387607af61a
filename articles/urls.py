from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("regions/<slug:slug>/", views.RegionView.as_view(), name="region"),
    path("themes/<slug:slug>/", views.ThemeView.as_view(), name="theme"),
    path("reports/<slug:slug>/", views.ReportView.as_view(), name="report"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
]
