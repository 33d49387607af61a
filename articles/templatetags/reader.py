"""Template helpers for the reader's pages."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from publication.links import address

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """An absolute URL for a path on this site."""
    request = context.get("request")
    if request is None or not path:
        return path or ""
    return request.build_absolute_uri(path)


@register.simple_tag(name="address")
def address_tag(viewname, *args):
    """``{% url %}`` for the site's own links on every page, remembered
    (``publication.links``)."""
    return address(viewname, *args)


@register.simple_tag
def byline(article):
    """ "By A, B and C", each a link to the author's page (rendered here, not
    by an included template: it is on every card of every list)."""
    links = [
        format_html('<a href="{}" rel="author">{}</a>', a.get_absolute_url(), a.name)
        for a in article.ordered_authors()
    ]
    if not links:
        return ""
    names = links[-1]
    if len(links) > 1:
        names = format_html(
            "{} {} {}", mark_safe(", ".join(links[:-1])), _("and"), links[-1]
        )
    return format_html('<span class="byline">{} {}</span>', _("By"), names)
