from django import template

from editorial.views import waiting_for

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_for_you(context):
    """(label, count, url) of what waits for the signed-in editor."""
    request = context.get("request")
    if request is None or not request.user.has_perm("articles.view_article"):
        return []
    return waiting_for(request.user)
