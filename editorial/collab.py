"""Working on one article together without losing anything.

- **Presence**: each open change form says so every few seconds; the form shows
  who else has the article open and since when, and when they saved.
- **Autosave**: what an editor types is kept, privately, every few seconds and
  when the page is hidden; reopening the form offers it back. It never touches
  the article or its draft and is no revision until the editor saves.
- **No silent overwrite**: the form carries the revision it was opened on; a
  save on top of a newer revision by someone else is stopped and shown side by
  side, the typed values kept.

All of it lives in the database, so any number of web processes agree. The
browser side is ``static/js/article-desk.js``.
"""

from datetime import timedelta

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from taggit.utils import parse_tags

from publication.numbers import parse_number
from publication.richtext import sanitize_html

from .models import Autosave, Presence, Revision
from .state import FLAG_FIELDS, TEXT_FIELDS

# An open form says it is there every HEARTBEAT seconds; after PRESENT_SECONDS
# without a word it counts as closed (a crashed browser says nothing).
HEARTBEAT_SECONDS = 15
PRESENT_SECONDS = 45
# What the form sends that is not the article (never autosaved or restored).
NOT_TYPED = {"csrfmiddlewaretoken", "_action", "_take", "overwrite_revision"}


def current_number(article):
    """The newest revision's number (what a form opened now is based on)."""
    if article is None or article.pk is None:
        return 0
    latest = article.revisions.order_by("-number").values_list("number", flat=True)
    return latest.first() or 0


def newer_by_others(article, base, user):
    """Revisions saved after ``base`` by anyone but ``user`` (the shell and
    importers count as someone else), oldest first."""
    if base is None:
        return []
    return list(
        Revision.objects.filter(article=article, number__gt=base)
        .exclude(created_by=user)
        .select_related("created_by")
        .order_by("number")
    )


def present_others(article, user):
    since = timezone.now() - timedelta(seconds=PRESENT_SECONDS)
    return list(
        Presence.objects.filter(article=article, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )


def _name(user):
    if user is None:
        return _("someone outside the editor")
    return user.get_full_name() or user.get_username()


def _when(moment):
    return timezone.localtime(moment).strftime("%H:%M")


def state_from_data(data, fallback):
    """A state read loosely from what a form sent (autosaved or posted), for
    showing what differs: no validation, unknown keys ignored, what is missing
    taken from ``fallback``."""
    state = dict(fallback)

    def value(name):
        values = data.get(name)
        if isinstance(values, list):
            return values[-1] if values else ""
        return values

    for name in TEXT_FIELDS:
        if name in data:
            state[name] = value(name) or ""
    if "body" in data:
        state["body"] = sanitize_html(state["body"])
    for name in FLAG_FIELDS:
        state[name] = value(name) in {"on", "true", "1"}
    if "original_published_at" in data:
        state["original_published_at"] = value("original_published_at") or None
    for name in ("regions", "themes"):
        if name in data:
            raw = data[name] if isinstance(data[name], list) else [data[name]]
            state[name] = sorted(int(v) for v in raw if str(v).isdigit())
    if "tags" in data:
        state["tags"] = sorted(parse_tags(value("tags") or ""), key=str.lower)
    for prefix, key, name in (
        ("authorships", "author", "authors"),
        ("report_entries", "report", "reports"),
    ):
        total = parse_number(value(f"{prefix}-TOTAL_FORMS"))
        if total is None:
            continue
        rows = []
        for index in range(min(total, 1000)):
            pk = parse_number(value(f"{prefix}-{index}-{key}"))
            if pk is None or value(f"{prefix}-{index}-DELETE") in {"on", "1"}:
                continue
            position = parse_number(value(f"{prefix}-{index}-position")) or 0
            rows.append((position, index, pk))
        rows.sort()
        if name == "authors":
            state[name] = [pk for _position, _index, pk in rows]
        else:
            state[name] = sorted([pk, position] for position, _index, pk in rows)
    return state


def typed_data(querydict):
    """The article's fields of a submitted form, as lists (JSON for an
    autosave)."""
    return {
        key: querydict.getlist(key)
        for key in querydict
        if key not in NOT_TYPED and "__prefix__" not in key
    }


def as_querydict(data):
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values if isinstance(values, list) else [values])
    return query


TAKEABLE = [*TEXT_FIELDS, *FLAG_FIELDS, "regions", "themes", "tags"]


def take_theirs(querydict, field, state):
    """The submitted form with one field replaced by its value in ``state``
    (the newer revision), so the editor keeps everything else they typed."""
    if field not in TAKEABLE:
        return querydict
    data = querydict.copy()
    value = state.get(field)
    if field in FLAG_FIELDS:
        if value:
            data.setlist(field, ["on"])
        else:
            data.pop(field, None)
    elif field in {"regions", "themes"}:
        data.setlist(field, [str(pk) for pk in value or []])
    elif field == "tags":
        data.setlist(
            field, [", ".join(f'"{t}"' if "," in t else t for t in value or [])]
        )
    else:
        data.setlist(field, [value or ""])
    return data


# The JSON endpoints ------------------------------------------------------------


def json_view(view):
    """A desk endpoint the page's script calls: 401 with the login address
    when the session has expired (no redirect: the script keeps the form and
    asks the editor to log in again in another tab), CSRF-checked."""

    @csrf_protect
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff):
            login = reverse("admin:login")
            relogged = reverse("admin:articles_article_relogged")
            return JsonResponse(
                {
                    "error": "login",
                    "login_url": f"{login}?{REDIRECT_FIELD_NAME}={relogged}",
                },
                status=401,
            )
        if request.method != "POST":
            return JsonResponse({"csrf": get_token(request)})
        return view(request, *args, **kwargs)

    return wrapped


def session(request):
    """Still signed in (json_view answers 401 if not), with a fresh CSRF token:
    logging in again rotates it."""
    return JsonResponse({"ok": True, "csrf": get_token(request)})


def heartbeat(request, article):
    """The form is still open: who else is here, and the newest revision."""
    now = timezone.now()
    tab = (request.POST.get("tab") or "")[:40]
    presence, created = Presence.objects.get_or_create(
        article=article,
        user=request.user,
        defaults={"opened_at": now, "seen_at": now, "tab": tab},
    )
    if not created:
        Presence.objects.filter(pk=presence.pk).update(seen_at=now, tab=tab)
    base = parse_number(request.POST.get("base_revision"))
    newer = newer_by_others(article, base, request.user)
    latest = newer[-1] if newer else None
    return JsonResponse(
        {
            "others": [
                {
                    "name": _name(other.user),
                    "since": _when(other.opened_at),
                }
                for other in present_others(article, request.user)
            ],
            "newer": latest
            and {
                "number": latest.number,
                "by": _name(latest.created_by),
                "at": _when(latest.created_at),
                "compare_url": reverse(
                    "admin:articles_article_compare", args=[article.pk]
                )
                + f"?a={base}&b={latest.number}",
            },
            "csrf": get_token(request),
        }
    )


def leave(request, article):
    """The page closed. Only that page's presence ends: the next page (after a
    save) or another tab may have spoken since."""
    Presence.objects.filter(
        article=article, user=request.user, tab=(request.POST.get("tab") or "")[:40]
    ).delete()
    return JsonResponse({"ok": True})


def autosave(request, article=None):
    """Keep what the editor typed (the form's fields, not its files)."""
    data = typed_data(request.POST)
    base = parse_number(request.POST.get("base_revision")) or 0
    now = timezone.now()
    Autosave.objects.update_or_create(
        user=request.user,
        article=article,
        defaults={"data": data, "base_revision": base, "updated_at": now},
    )
    return JsonResponse({"saved_at": _when(now), "csrf": get_token(request)})


def discard_autosave(request, article=None):
    Autosave.objects.filter(user=request.user, article=article).delete()
    return JsonResponse({"ok": True})


def pending_autosave(user, article=None):
    return Autosave.objects.filter(user=user, article=article).first()


def forget_autosave(user, article=None):
    """Saved for real: the autosave has done its work."""
    Autosave.objects.filter(user=user, article=article).delete()
