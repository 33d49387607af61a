"""``cite.bib`` and ``cite.ris``: an article's citation for reference managers.

Each is the article page's view with another body: the same queryset (so the
same visibility, staff previews included, and the same 404 for anything
else), the same conditional GET and cache headers; only the authors are
prefetched.
"""

from django.http import HttpResponse

from publication.surrogates import key_for

from .citations import citation_for
from .http import byline_keys, shows
from .models import bylines_prefetch
from .views import ArticleDetailView


class CitationFileView(ArticleDetailView):
    extension = ""
    content_type = ""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(None)
            .prefetch_related(bylines_prefetch())
        )

    def render(self, citation):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        article = self.get_object()
        shows(request, key_for(article), *byline_keys([article]))
        response = HttpResponse(
            self.render(citation_for(article)), content_type=self.content_type
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{article.slug}.{self.extension}"'
        )
        return response


class BibTeXView(CitationFileView):
    extension = "bib"
    content_type = "application/x-bibtex; charset=utf-8"

    def render(self, citation):
        return citation.bibtex()


class RISView(CitationFileView):
    extension = "ris"
    content_type = "application/x-research-info-systems; charset=utf-8"

    def render(self, citation):
        return citation.ris()
