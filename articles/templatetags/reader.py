"""Template helpers for the reader's pages."""

import threading

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
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


# How many renderings {% memo %} keeps in each process (a few per fragment).
MEMO_SIZE = 256


@register.tag
def memo(parser, token):
    """``{% memo value ... %}...{% endmemo %}``: the fragment rendered once per
    process for each combination of the values, the active language, the
    URLconf and the script prefix, then remembered. Only for fragments that
    depend on nothing else (the site's header and footer: the publication's
    name and the same links on every page). At most ``MEMO_SIZE`` are kept,
    the oldest forgotten first."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, values)


class MemoNode(template.Node):
    _lock = threading.Lock()
    _rendered = {}

    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values

    def render(self, context):
        key = (
            self,
            *(value.resolve(context) for value in self.values),
            get_language(),
            get_urlconf(),
            get_script_prefix(),
        )
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self.nodelist.render(context)
            with self._lock:
                while len(self._rendered) >= MEMO_SIZE:
                    del self._rendered[next(iter(self._rendered))]
                self._rendered[key] = rendered
        return rendered
