import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from reprints import services
from reprints.models import ContactMessage, ReprintRequest

URL = "/reprints/request/"


@pytest.fixture
def failing_mail(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    return monkeypatch


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
def test_emails_are_sent_only_after_commit(
    client, request_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(URL, request_data())
    assert ReprintRequest.objects.count() == 1
    assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 2
    assert ReprintRequest.objects.get().notified_at is not None


@pytest.mark.django_db
def test_failing_mail_server_then_retry_sends_exactly_once(
    client, request_data, failing_mail, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.ERROR, logger="imprint.reprints"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(URL, request_data(), follow=True)
    stored = ReprintRequest.objects.get()
    # The request is stored and confirmed; the failure is logged, not hidden.
    assert stored.reference in response.text
    assert stored.notified_at is None
    assert "Sending the e-mails for ReprintRequest" in caplog.text
    assert mail.outbox == []

    failing_mail.undo()
    call_command("send_pending_notifications")
    call_command("send_pending_notifications")  # a second run sends nothing
    services.deliver_request_notifications(stored.pk)  # nor a late worker
    stored.refresh_from_db()
    assert stored.notified_at is not None
    assert recipients() == sorted(
        ["reprints@example.org", "editor@example.org", "bea@outlet.example"]
    )


@pytest.mark.django_db
def test_half_sent_request_only_sends_what_is_missing(
    client, request_data, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def editors_ok_then_fail(self, messages):
        calls.append(messages)
        if len(calls) > 1:
            raise smtplib.SMTPDataError(451, "try later")
        mail.outbox.extend(messages)
        return len(messages)

    monkeypatch.setattr(EmailBackend, "send_messages", editors_ok_then_fail)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, request_data())
    stored = ReprintRequest.objects.get()
    assert stored.editors_notified_at is not None
    assert stored.acknowledged_at is None
    monkeypatch.undo()
    call_command("send_pending_notifications")
    assert recipients() == sorted(
        ["reprints@example.org", "editor@example.org", "bea@outlet.example"]
    )


@pytest.mark.django_db
def test_task_run_twice_sends_once(client, request_data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reprints.services.enqueue_after_commit", lambda task, pk: None)
        client.post(URL, request_data())
    pk = ReprintRequest.objects.get().pk
    from reprints.tasks import notify_request

    notify_request.call(pk)
    notify_request.call(pk)
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_contact_form_routes_by_topic(client, contact_data):
    for topic, address in [
        ("media", "press@example.org"),
        ("correction", "corrections@example.org"),
        ("other", "corrections@example.org"),
    ]:
        mail.outbox.clear()
        response = client.post(
            "/contact/",
            contact_data(topic=topic),
            follow=True,
            REMOTE_ADDR=f"10.9.9.{len(topic)}",
        )
        message = ContactMessage.objects.get(topic=topic)
        assert message.reference in response.text
        assert message.notified_at is not None
        assert mail.outbox[0].to == [address]
        assert mail.outbox[1].to == ["carl@news.example"]


@pytest.mark.django_db
def test_contact_form_has_the_same_protections(client, contact_data):
    assert "Leave this field empty" in client.get("/contact/").text
    response = client.post("/contact/", contact_data(website="x"))
    assert "This field must be left empty" in response.text
    response = client.post("/contact/", contact_data(subject="Hi\r\nBcc: x@y.z"))
    assert "without line breaks" in response.text
    data = contact_data()
    client.post("/contact/", data)
    client.post("/contact/", data)
    assert ContactMessage.objects.count() == 1
    for _ in range(4):
        client.post("/contact/", contact_data())
    assert client.post("/contact/", contact_data()).status_code == 429
