from django import template

from publication.notices import notices_at

register = template.Library()


@register.simple_tag
def article_notices(article):
    """The notices an article shows: those in force when it was pinned."""
    return notices_at(getattr(article, "notices_pinned_at", None))


@register.simple_tag
def current_notices():
    return notices_at()
