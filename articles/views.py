from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from authors.models import Author
from regions.models import Region
from themes.models import Theme

from .models import Article, InDepthReport


class HomeView(ListView):
    template_name = "articles/home.html"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().for_listing().newest_first()


class ArticleDetailView(DetailView):
    def get_queryset(self):
        # Staff preview unpublished work; everyone else sees only what is public.
        if self.request.user.is_staff:
            return Article.objects.all()
        return Article.objects.published()


class ArticleListView(ListView):
    """Articles under one region, theme, report, author or tag."""

    model = None
    paginate_by = 20
    template_name = "articles/article_list.html"

    def get_object(self):
        return get_object_or_404(self.model, slug=self.kwargs["slug"])

    def filter_articles(self, queryset):
        raise NotImplementedError

    def get_queryset(self):
        self.object = self.get_object()
        articles = Article.objects.published().for_listing().newest_first()
        return self.filter_articles(articles)

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.object, **kwargs)


class RegionView(ArticleListView):
    model = Region

    def filter_articles(self, queryset):
        return queryset.filter(regions=self.object)


class ThemeView(ArticleListView):
    model = Theme

    def filter_articles(self, queryset):
        return queryset.filter(themes=self.object)


class ReportView(ArticleListView):
    model = InDepthReport

    def filter_articles(self, queryset):
        return queryset.filter(report_entries__report=self.object)


class AuthorView(ArticleListView):
    model = Author

    def filter_articles(self, queryset):
        return queryset.filter(authorships__author=self.object)


class TagView(ArticleListView):
    model = Tag

    def filter_articles(self, queryset):
        return queryset.filter(tags=self.object)
