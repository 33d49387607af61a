"""A publisher uploads an export in the admin, reads the dry run, confirms."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article
from imports.models import WordPressImport
from imports.sample import Item, export

pytestmark = pytest.mark.django_db

ADD = "/admin/imports/wordpressimport/add/"


def sample():
    return export(
        items=[
            Item(wp_id=1, title="One", slug="one", content="Hello."),
            Item(
                wp_id=2,
                title="Two",
                slug="two",
                content="World.",
                categories=[("africa", "Africa")],
            ),
        ]
    ).encode()


def login(client, django_user_model, group):
    user = django_user_model.objects.create_user(
        group.lower(), f"{group.lower()}@example.org", "pw-123456789", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def test_upload_check_confirm_and_import(
    client, django_user_model, django_capture_on_commit_callbacks
):
    login(client, django_user_model, "Publisher")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD,
            {
                "export": SimpleUploadedFile("site.xml", sample(), "text/xml"),
                "mapping": 'regions = ["africa"]',
            },
        )
    job = WordPressImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.admin_url()
    # The embedded default runs tasks at once: the dry run is done.
    job.refresh_from_db()
    assert job.status == WordPressImport.Status.CHECKED
    assert (job.processed, job.total) == (2, 2)
    page = client.get(job.admin_url()).content.decode()
    assert "Dry run, nothing was saved: 2 would be imported" in page
    assert "Import now" in page
    assert not Article.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/imports/wordpressimport/{job.pk}/run/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == WordPressImport.Status.DONE
    assert set(Article.objects.published().values_list("slug", flat=True)) == {
        "one",
        "two",
    }
    page = client.get(job.admin_url()).content.decode()
    assert "2 imported, 0 updated, 0 unchanged, 0 skipped." in page
    assert "Import now" not in page
    # Confirming twice does not import twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/imports/wordpressimport/{job.pk}/run/")
    assert Article.objects.count() == 2


def test_bad_uploads_are_refused_with_the_reason_and_the_form_kept(
    client, django_user_model, settings
):
    login(client, django_user_model, "Publisher")
    response = client.post(
        ADD,
        {
            "export": SimpleUploadedFile("notes.txt", b"just some text", "text/plain"),
            "mapping": 'regions = ["africa"]',
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This is not a WordPress export" in page
    assert "regions = [&quot;africa&quot;]" in page

    response = client.post(
        ADD,
        {
            "export": SimpleUploadedFile("site.xml", sample(), "text/xml"),
            "mapping": "regions = [",
        },
    )
    assert "not valid TOML" in response.content.decode()

    settings.IMPORT_MAX_BYTES = 100
    response = client.post(
        ADD, {"export": SimpleUploadedFile("site.xml", sample(), "text/xml")}
    )
    assert "the limit is 100" in response.content.decode()
    assert not WordPressImport.objects.exists()


def test_a_broken_export_shows_why(
    client, django_user_model, django_capture_on_commit_callbacks
):
    login(client, django_user_model, "Publisher")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ADD,
            {"export": SimpleUploadedFile("site.xml", sample()[:400], "text/xml")},
        )
    job = WordPressImport.objects.get()
    assert job.status == WordPressImport.Status.FAILED
    assert job.error
    assert job.error in client.get(job.admin_url()).content.decode()


@pytest.mark.parametrize("group", ["Editor", "Contributor"])
def test_only_publishers_import(client, django_user_model, group):
    login(client, django_user_model, group)
    assert client.get(ADD).status_code == 403
    assert client.get("/admin/imports/wordpressimport/").status_code == 403


def test_an_odd_id_is_a_404(client, django_user_model):
    login(client, django_user_model, "Publisher")
    assert client.post("/admin/imports/wordpressimport/²/run/").status_code == 404
    assert client.post("/admin/imports/wordpressimport/99/run/").status_code == 404
