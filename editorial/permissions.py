"""Who may do what on the editors' desk, in one place: the admin (form, bulk
actions, crafted POSTs, inlines), the preview and every service ask here.

- Contributor: creates articles, edits the drafts they created or are credited
  on (through their author profile's editor account), submits for review.
- Editor: edits every article's draft, comments, submits; no publishing.
- Publisher: also publishes, schedules, unpublishes, requests changes, deletes
  published articles and re-pins their site notices.
"""

from articles.models import Article, Authorship

PUBLISH = "articles.publish_article"
CHANGE = "articles.change_article"
EDIT_OTHERS = "articles.edit_others_article"
DELETE = "articles.delete_article"


def can_publish(user):
    return user.has_perm(PUBLISH)


def is_own(user, article):
    """The user created the article or is credited on it."""
    if article.pk is None or article.created_by_id == user.pk:
        return True
    return Authorship.objects.filter(article=article, author__user=user).exists()


def can_edit(user, article=None):
    """May change the article's text (its working draft, once it is live)."""
    if not user.has_perm(CHANGE):
        return False
    if article is None or user.has_perm(EDIT_OTHERS):
        return True
    return is_own(user, article)


def can_delete(user, article=None):
    """Unpublished work: whoever may edit it and has the delete permission; a
    published or scheduled article: only a publisher."""
    if not user.has_perm(DELETE):
        return False
    if article is None:
        return True
    if article.status == Article.Status.PUBLISHED:
        return can_publish(user)
    return can_edit(user, article)


def can_preview(user):
    """Unpublished work is shown to those who may change articles, not to every
    staff account."""
    return user.is_active and user.has_perm(CHANGE)


def can_comment(user, article):
    return can_publish(user) or can_edit(user, article)
