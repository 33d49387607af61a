"""Editors of each role, and a browser-like way to fill in the article form."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, group=None, **fields):
        fields.setdefault("email", f"{username}@example.org")
        user = django_user_model.objects.create_user(
            username, password="a-long-password-1", is_staff=True, **fields
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def contributor(make_user):
    return make_user("carla", "Contributor")


@pytest.fixture
def editor(make_user):
    return make_user("edna", "Editor")


@pytest.fixture
def publisher(make_user):
    return make_user("pat", "Publisher")


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


class FormReader(HTMLParser):
    """The fields of one <form> as a browser would send them (no files, no
    submit buttons)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self._textarea = None
        self._select = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "name" not in attrs:
            if tag == "option" and self._select is not None and "selected" in attrs:
                self.add(self._select, attrs.get("value", ""))
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, [""])
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            value = self.data[self._textarea][-1] + data
            # A browser drops the newline that opens a textarea's content.
            if not self.data[self._textarea][-1] and value.startswith("\n"):
                value = value[1:]
            self.data[self._textarea][-1] = value


def read_form(html, form_id="article_form"):
    reader = FormReader(form_id)
    reader.feed(html)
    data = {}
    for name, values in reader.data.items():
        if name == "csrfmiddlewaretoken":
            continue
        data[name] = values if len(values) != 1 else values[0]
    return data


@pytest.fixture
def edit_article():
    """Open an article's change form as ``client``, change fields, press a
    button (``_action``); returns the response."""

    def edit(client, article, changes=None, action="save", **extra):
        url = reverse("admin:articles_article_change", args=[article.pk])
        page = client.get(url)
        assert page.status_code == 200, page.status_code
        data = read_form(page.text)
        data.update(changes or {})
        data["_action"] = action
        data.update(extra)
        return client.post(url, {k: v for k, v in data.items() if v is not None})

    return edit


@pytest.fixture
def live_article(make_article, make_author, make_region, make_theme):
    """A published article with an author, a region, a theme and tags."""
    return make_article(
        "The live title",
        body="<p>The live body text.</p>",
        authors=[make_author("Ann Lee")],
        regions=[make_region("Asia")],
        themes=[make_theme("Water")],
        tags=["rivers"],
    )
