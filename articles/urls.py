from django.contrib.sitemaps.views import index as sitemaps_index
from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import citation_views, feeds, views
from .addresses import follow_former_slugs
from .http import SITE, SITEMAP, SUBJECT, public
from .models import Article
from .sitemaps import SITEMAPS

app_name = "articles"


def site_feed(feed_class):
    return public(*SITE)(feed_class())


def subject_feed(feed_class):
    return public(*SUBJECT)(feed_class())


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "articles/<slug:slug>/",
        follow_former_slugs(Article)(views.ArticleDetailView.as_view()),
        name="detail",
    ),
    path(
        "articles/<slug:slug>/cite.bib",
        follow_former_slugs(Article)(citation_views.BibTeXView.as_view()),
        name="cite_bib",
    ),
    path(
        "articles/<slug:slug>/cite.ris",
        follow_former_slugs(Article)(citation_views.RISView.as_view()),
        name="cite_ris",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("regions/", views.RegionIndexView.as_view(), name="regions"),
    path("themes/", views.ThemeIndexView.as_view(), name="themes"),
    path("reports/", views.ReportIndexView.as_view(), name="reports"),
    path("authors/", views.AuthorIndexView.as_view(), name="authors"),
    path("feeds/rss/", site_feed(feeds.LatestFeed), name="rss"),
    path("feeds/atom/", site_feed(feeds.LatestAtomFeed), name="atom"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path(
        "corrections/feed/rss/",
        site_feed(feeds.CorrectionsFeed),
        name="corrections_rss",
    ),
    path(
        "corrections/feed/atom/",
        site_feed(feeds.CorrectionsAtomFeed),
        name="corrections_atom",
    ),
    # An index of sitemap files of at most 1,000 addresses each, so each stays
    # quick to build at any size (and under the protocol's 50,000).
    path(
        "sitemap.xml",
        public(*SITEMAP)(sitemaps_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public(*SITEMAP)(sitemap),
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

# A former slug of a subject (or article) answers 301 to its current address.
for kind, (prefix, view) in SUBJECT_VIEWS.items():
    feed = feeds.FEEDS[kind]
    moved = follow_former_slugs(view.model)
    urlpatterns += [
        path(f"{prefix}/<slug:slug>/", moved(view.as_view()), name=kind),
        path(
            f"{prefix}/<slug:slug>/feed/rss/",
            moved(subject_feed(feed)),
            name=f"{kind}_rss",
        ),
        path(
            f"{prefix}/<slug:slug>/feed/atom/",
            moved(subject_feed(feeds.atom(feed))),
            name=f"{kind}_atom",
        ),
    ]
