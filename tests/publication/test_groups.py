"""The groups do what the README promises: Contributor writes and edits but
cannot publish; Editor all content but cannot publish; Publisher everything,
the site notices, the publication identity and the reprint requests included."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from publication.models import Identity

pytestmark = pytest.mark.django_db

publisher_permissions = import_module(
    "publication.migrations.0003_publisher_permissions"
)

CONTENT = [
    "/admin/articles/article/",
    "/admin/articles/indepthreport/",
    "/admin/authors/author/",
    "/admin/regions/region/",
    "/admin/themes/theme/",
    "/admin/taggit/tag/",
]
CONTENT_ADD = ["/admin/authors/author/add/", "/admin/regions/region/add/"]
SITE = ["/admin/publication/noticeversion/", "/admin/publication/noticeversion/add/"]
REPRINTS = ["/admin/reprints/reprintrequest/", "/admin/reprints/contactmessage/"]
IMPORTS = ["/admin/imports/wordpressimport/", "/admin/imports/wordpressimport/add/"]


def member_of(client, group_name):
    user = User.objects.create_user(group_name.lower(), password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return user


def statuses(client, urls):
    return {url: client.get(url).status_code for url in urls}


def identity_url():
    return f"/admin/publication/identity/{Identity.get_solo().pk}/change/"


def test_contributor_writes_but_cannot_publish(client):
    user = member_of(client, "Contributor")
    assert client.get("/admin/articles/article/add/").status_code == 200
    assert not user.has_perm("articles.publish_article")
    assert set(statuses(client, SITE).values()) == {403}
    assert client.get(identity_url()).status_code == 403


def test_editor_edits_all_content_but_cannot_publish(client):
    user = member_of(client, "Editor")
    assert set(statuses(client, CONTENT + CONTENT_ADD).values()) == {200}
    assert set(statuses(client, REPRINTS).values()) == {200}
    assert not user.has_perm("articles.publish_article")


def test_publisher_does_everything(client):
    user = member_of(client, "Publisher")
    assert user.has_perm("articles.publish_article")
    urls = CONTENT + CONTENT_ADD + SITE + REPRINTS + IMPORTS + [identity_url()]
    assert set(statuses(client, urls).values()) == {200}
    assert user.has_perm("publication.change_identity")
    assert user.has_perm("publication.change_noticeversion")
    assert user.has_perm("reprints.change_reprintrequest")


def run(function):
    state = MigrationLoader(connection).project_state(
        ("publication", "0003_publisher_permissions")
    )
    function(state.apps, SimpleNamespace(connection=connection))


def publisher_permission_ids():
    return set(
        Group.objects.get(name="Publisher").permissions.values_list("pk", flat=True)
    )


def test_the_publisher_migration_runs_again_and_back():
    before = publisher_permission_ids()
    run(publisher_permissions.forwards)
    assert publisher_permission_ids() == before
    run(publisher_permissions.backwards)
    after = Group.objects.get(name="Publisher").permissions
    assert not after.filter(content_type__app_label="publication").exists()
    # Only its own: publishing and the reprint inbox stay.
    assert after.filter(codename="publish_article").exists()
    assert after.filter(codename="change_reprintrequest").exists()
    run(publisher_permissions.forwards)
    assert publisher_permission_ids() == before
