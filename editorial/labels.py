"""Where an article stands, in words editors read in the list and on the form."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article

from .models import Draft


def workflow_label(article):
    """One line saying where the article stands (list and change form)."""
    draft = getattr(article, "working_draft", None) if article.pk else None
    if article.status == Article.Status.PUBLISHED:
        when = timezone.localtime(article.publish_at).strftime("%Y-%m-%d %H:%M")
        base = (
            _("Scheduled for %(when)s") % {"when": when}
            if article.is_scheduled
            else _("Live")
        )
        if draft is None:
            return base
        if draft.go_live_at is not None:
            due = timezone.localtime(draft.go_live_at).strftime("%Y-%m-%d %H:%M")
            return _("%(base)s — draft changes scheduled for %(due)s") % {
                "base": base,
                "due": due,
            }
        if draft.review == Draft.Review.DRAFT:
            return _("%(base)s — draft changes not yet published") % {"base": base}
        return _("%(base)s — draft changes not yet published (%(review)s)") % {
            "base": base,
            "review": draft.get_review_display().lower(),
        }
    return article.get_status_display()
