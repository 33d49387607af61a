from django.contrib.sitemaps.views import index as sitemaps_index
from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import feeds, views
from .http import conditional, site_last_modified
from .sitemaps import SITEMAPS

app_name = "articles"


def cached_feed(feed_class):
    return conditional(lambda request, **kwargs: site_last_modified())(feed_class())


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("regions/", views.RegionIndexView.as_view(), name="regions"),
    path("themes/", views.ThemeIndexView.as_view(), name="themes"),
    path("reports/", views.ReportIndexView.as_view(), name="reports"),
    path("authors/", views.AuthorIndexView.as_view(), name="authors"),
    path("feeds/rss/", cached_feed(feeds.LatestFeed), name="rss"),
    path("feeds/atom/", cached_feed(feeds.LatestAtomFeed), name="atom"),
    # An index of sitemap files of at most 2,500 addresses each, so each stays
    # quick to build at any size (and under the protocol's 50,000).
    path(
        "sitemap.xml",
        conditional(lambda request, **kwargs: site_last_modified())(sitemaps_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        conditional(lambda request, **kwargs: site_last_modified())(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
]

SUBJECT_VIEWS = {
    "region": ("regions", views.RegionView),
    "theme": ("themes", views.ThemeView),
    "report": ("reports", views.ReportView),
    "author": ("authors", views.AuthorView),
    "tag": ("tags", views.TagView),
}

for kind, (prefix, view) in SUBJECT_VIEWS.items():
    feed = feeds.FEEDS[kind]
    urlpatterns += [
        path(f"{prefix}/<slug:slug>/", view.as_view(), name=kind),
        path(f"{prefix}/<slug:slug>/feed/rss/", cached_feed(feed), name=f"{kind}_rss"),
        path(
            f"{prefix}/<slug:slug>/feed/atom/",
            cached_feed(feeds.atom(feed)),
            name=f"{kind}_atom",
        ),
    ]
