from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from articles.models import Article

pytestmark = pytest.mark.django_db

editor_groups = import_module("articles.migrations.0002_editor_groups")


def run_migration_function(function):
    """Call one of the migration's functions as migrate would, with the
    historical models of that point in the chain."""
    state = MigrationLoader(connection).project_state(
        ("articles", "0002_editor_groups")
    )
    function(state.apps, SimpleNamespace(connection=connection))


PUBLISH_ACTION = "Publish selected articles now"


# Other apps (reprints, publication) give these groups permissions of their own
# in their migrations; this file checks the content model's.
CONTENT_APPS = ["articles", "authors", "regions", "themes", "taggit"]


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.filter(
            content_type__app_label__in=CONTENT_APPS
        ).values_list("content_type__app_label", "codename")
    }


def permission_ids(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list("pk", flat=True)
    )


def everything_on(app_label, *models):
    return {
        f"{app_label}.{action}_{model}"
        for model in models
        for action in ("add", "change", "delete", "view")
    }


EDITOR_PERMISSIONS = (
    everything_on("articles", "article", "authorship", "reportarticle")
    | everything_on("articles", "indepthreport")
    | everything_on("authors", "author")
    | everything_on("regions", "region")
    | everything_on("themes", "theme")
    | everything_on("taggit", "tag")
)


def staff_in(group_name, username):
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_contributor_permissions():
    permissions = codenames("Contributor")
    assert {
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.view_indepthreport",
        "authors.view_author",
        "regions.view_region",
        "themes.view_theme",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.view_tag",
    } <= permissions
    # Their own unpublished drafts only (editorial.permissions.can_delete).
    assert "articles.delete_article" in permissions
    assert "articles.publish_article" not in permissions
    assert "articles.edit_others_article" not in permissions
    assert "authors.change_author" not in permissions
    assert "taggit.delete_tag" not in permissions


def test_editor_permissions():
    assert codenames("Editor") == EDITOR_PERMISSIONS | {"articles.edit_others_article"}


def test_publisher_permissions():
    assert codenames("Publisher") == EDITOR_PERMISSIONS | {
        "articles.edit_others_article",
        "articles.publish_article",
    }


def test_contributor_can_add_but_not_publish(client):
    Article.objects.create(title="Draft", slug="draft")
    client.force_login(staff_in("Contributor", "carla"))

    add_page = client.get(reverse("admin:articles_article_add"))
    assert add_page.status_code == 200

    changelist = client.get(reverse("admin:articles_article_changelist"))
    assert changelist.status_code == 200
    assert "Draft" in changelist.text
    assert PUBLISH_ACTION not in changelist.text


def test_editor_cannot_publish(client):
    Article.objects.create(title="Draft", slug="draft")
    client.force_login(staff_in("Editor", "edna"))

    changelist = client.get(reverse("admin:articles_article_changelist"))
    assert changelist.status_code == 200
    assert PUBLISH_ACTION not in changelist.text


def test_publisher_sees_publish_action(client):
    Article.objects.create(title="Draft", slug="draft")
    client.force_login(staff_in("Publisher", "pat"))

    changelist = client.get(reverse("admin:articles_article_changelist"))
    assert changelist.status_code == 200
    assert PUBLISH_ACTION in changelist.text


def test_running_the_migration_again_changes_nothing():
    names = ("Contributor", "Editor", "Publisher")
    before = {name: permission_ids(name) for name in names}
    run_migration_function(editor_groups.create_groups)
    after = {name: permission_ids(name) for name in names}
    assert after == before
    assert Group.objects.filter(name__in=before).count() == 3


def test_reversing_the_migration_deletes_the_groups():
    run_migration_function(editor_groups.delete_groups)
    assert not Group.objects.filter(
        name__in=["Contributor", "Editor", "Publisher"]
    ).exists()
