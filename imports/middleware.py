"""Old WordPress addresses answer with a permanent redirect to their article.

``/?p=123`` (and ``?page_id``, WordPress's plain permalinks) is looked up by
post id before the home page answers; any other address is looked up by path
once Imprint has answered 404, as Django's own redirects app does. Only a
public article is redirected to: a draft's old address stays a 404, so it
does not give away the draft's new address.
"""

from urllib.parse import unquote

from django.http import HttpResponsePermanentRedirect

from articles.models import Article
from publication.numbers import parse_number

from .models import WordPressPost

MAX_PATH = WordPressPost._meta.get_field("path").max_length


def _public_article(records):
    ids = records.exclude(article=None).values_list("article_id", flat=True)[:5]
    return Article.objects.published().filter(pk__in=list(ids)).first()


class WordPressAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path == "/":
            post_id = request.GET.get("p") or request.GET.get("page_id")
            if post_id is not None:
                number = parse_number(post_id)
                if number is not None:
                    article = _public_article(
                        WordPressPost.objects.filter(wp_id=number)
                    )
                    if article is not None:
                        return HttpResponsePermanentRedirect(article.get_absolute_url())
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            path = unquote(request.path)
            if "\x00" in path or len(path) > MAX_PATH:
                return response  # no WordPress address has one (PostgreSQL refuses NUL)
            candidates = {path, path.rstrip("/") + "/", path.rstrip("/")}
            article = _public_article(
                WordPressPost.objects.filter(path__in=candidates - {""})
            )
            if article is not None:
                return HttpResponsePermanentRedirect(article.get_absolute_url())
        return response
