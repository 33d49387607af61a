import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reprints import services
from reprints.models import PermissionGrant, ReplyTemplate, ReprintEvent, ReprintRequest


@pytest.fixture
def editor(db):
    user = User.objects.create_user("eddie", password="pw", is_staff=True)
    # Transactional tests flush the groups the migration made: grant directly.
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reprints",
            codename__regex=r"^(view|change)_",
        )
    )
    return user


@pytest.fixture
def stored(request_data, article):
    data = {**request_data(), "article": article, "idempotency_token": "t1"}
    data["intended_date"] = timezone.localdate() + timedelta(days=3)
    return services.submit_reprint_request(data)


@pytest.fixture(autouse=True)
def reply_templates(db):
    """The migration's templates (transactional tests flush them)."""
    from importlib import import_module

    migration = import_module("reprints.migrations.0002_groups_and_reply_templates")
    for kind, name, subject, body in migration.TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            kind=kind, defaults={"name": name, "subject": subject, "body": body}
        )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def change_url(req):
    return reverse("admin:reprints_reprintrequest_change", args=[req.pk])


@pytest.mark.django_db
def test_inbox_lists_newest_first_and_searches(editor_client, stored):
    url = reverse("admin:reprints_reprintrequest_changelist")
    response = editor_client.get(url)
    assert response.status_code == 200
    assert stored.reference in response.text
    assert "Water in the Sahel" in response.text
    assert "Outlet Weekly" in response.text
    for query in ["Outlet", "bea@outlet", stored.reference, "Sahel"]:
        assert stored.reference in editor_client.get(url, {"q": query}).text
    assert stored.reference not in editor_client.get(url, {"q": "nobody"}).text
    assert editor_client.get(url, {"status__exact": "new"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_approve_creates_grant_logs_and_emails(editor_client, stored, editor):
    url = reverse("admin:reprints_reprintrequest_approve", args=[stored.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    assert "Dear Bea Reader" in page.text  # started from the template
    expires = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    mail.outbox.clear()
    response = editor_client.post(
        url,
        {
            "subject": "Yes {name}",
            "body": "Dear {name}, see {verify_url} until {expires}.",
            "expires_at": expires,
        },
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.status == ReprintRequest.Status.APPROVED
    grant = PermissionGrant.objects.get(request=stored)
    assert len(grant.code) >= 20
    assert grant.terms == stored.terms
    assert grant.medium == "website"
    event = ReprintEvent.objects.get(request=stored)
    assert event.actor == editor
    assert event.from_status == "new"
    assert event.emailed_at is not None
    (message,) = mail.outbox
    assert message.to == ["bea@outlet.example"]
    assert message.subject == "Yes Bea Reader"
    assert grant.get_absolute_url() in message.body
    assert "Copyright © Ada Writer, Imprint Trust" in message.body
    html = message.alternatives[0].content
    assert "Copyright © Ada Writer, Imprint Trust" in html
    # The history shows on the change page.
    change = editor_client.get(change_url(stored))
    assert "eddie" in change.text
    assert grant.get_absolute_url() in change.text


@pytest.mark.django_db(transaction=True)
def test_decline_emails_and_logs_without_grant(editor_client, stored):
    url = reverse("admin:reprints_reprintrequest_decline", args=[stored.pk])
    assert "cannot give permission" in editor_client.get(url).text
    mail.outbox.clear()
    response = editor_client.post(
        url, {"subject": "No", "body": "Sorry {name}.", "note": "third party"}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.status == ReprintRequest.Status.DECLINED
    assert not PermissionGrant.objects.exists()
    assert mail.outbox[0].body == "Sorry Bea Reader."
    assert ReprintEvent.objects.get().note == "third party"


@pytest.mark.django_db
def test_needs_info_and_bad_decision_input(editor_client, stored):
    url = reverse("admin:reprints_reprintrequest_needs_info", args=[stored.pk])
    response = editor_client.post(url, {"subject": "a\r\nBcc: x", "body": "b"})
    assert response.status_code == 200
    assert "Use a single line" in response.text
    stored.refresh_from_db()
    assert stored.status == "new"
    approve = reverse("admin:reprints_reprintrequest_approve", args=[stored.pk])
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(
        approve, {"subject": "s", "body": "b", "expires_at": past}
    )
    assert "Choose a time in the future" in response.text
    assert not PermissionGrant.objects.exists()


@pytest.mark.django_db
def test_decision_needs_change_permission(client, stored):
    viewer = User.objects.create_user("v", password="pw", is_staff=True)
    client.force_login(viewer)
    url = reverse("admin:reprints_reprintrequest_approve", args=[stored.pk])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_withdraw_action_logs(editor_client, stored, editor):
    editor_client.post(
        reverse("admin:reprints_reprintrequest_changelist"),
        {"action": "mark_withdrawn", "_selected_action": [stored.pk]},
    )
    stored.refresh_from_db()
    assert stored.status == "withdrawn"
    assert ReprintEvent.objects.get().actor == editor


@pytest.mark.django_db
def test_csv_export_neutralises_formulas(editor_client, stored):
    ReprintRequest.objects.filter(pk=stored.pk).update(organisation="=HYPERLINK(1)")
    response = editor_client.post(
        reverse("admin:reprints_reprintrequest_changelist"),
        {"action": "export_csv", "_selected_action": [stored.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "reference"
    assert rows[1][0] == stored.reference
    assert rows[1][6] == "'=HYPERLINK(1)"


@pytest.mark.django_db(transaction=True)
def test_revoke_action(editor_client, stored, editor):
    _event, grant = services.decide(
        stored, "approved", actor=editor, subject="s", body="b"
    )
    response = editor_client.post(
        reverse("admin:reprints_permissiongrant_changelist"),
        {"action": "revoke", "_selected_action": [grant.pk]},
        follow=True,
    )
    assert "1 permission revoked" in response.text
    grant.refresh_from_db()
    assert grant.state == "revoked"
    assert ReprintEvent.objects.filter(note="Permission revoked").exists()


@pytest.mark.django_db
def test_groups_get_reprint_permissions():
    for name in ("Editor", "Publisher"):
        perms = set(
            Group.objects.get(name=name).permissions.values_list("codename", flat=True)
        )
        assert {"view_reprintrequest", "change_reprintrequest"} <= perms
        assert {"view_permissiongrant", "change_contactmessage"} <= perms
