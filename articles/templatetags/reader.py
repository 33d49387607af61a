"""Template helpers for the reader's pages."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """An absolute URL for a path on this site."""
    request = context.get("request")
    if request is None or not path:
        return path or ""
    return request.build_absolute_uri(path)
