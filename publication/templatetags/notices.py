from django import template

from publication.models import current_identity
from publication.notices import notices_at

register = template.Library()


@register.simple_tag
def article_notices(article):
    """The notices an article shows: those in force when it was pinned."""
    return notices_at(getattr(article, "notices_pinned_at", None))


@register.simple_tag
def current_notices():
    return notices_at()


@register.simple_tag
def copyright_line(article):
    """The article's copyright line, naming the identity's copyright holder."""
    return article.copyright_line(publication_name=current_identity().holder)
