"""Over REPRINT_RATE_GLOBAL_PER_HOUR, submissions are still stored and
acknowledged, but held for review, and the editors get one digest an hour
instead of one e-mail each: other people's traffic never refuses a reader."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from reprints import services
from reprints.models import ContactMessage, EditorDigest, ReprintRequest

URL = "/reprints/request/"


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def post(client, request_data, address, **data):
    return client.post(URL, request_data(**data), REMOTE_ADDR=address)


def digests():
    return [m for m in mail.outbox if m.subject.startswith("Held for review")]


def per_item_editor_mails():
    return [m for m in mail.outbox if m.subject.startswith("Reprint request ")]


@pytest.fixture
def hour(monkeypatch):
    """The digests' clock, one hour at a time."""
    clock = Clock(services.DIGEST_SECONDS * 500_000 + 60)
    monkeypatch.setattr("reprints.services.now_seconds", clock)
    return clock


@pytest.mark.django_db(transaction=True)
def test_a_flood_from_many_addresses_never_refuses_a_new_reader(
    client, request_data, settings, hour
):
    settings.REPRINT_RATE_GLOBAL_PER_HOUR = 60
    for n in range(64):
        response = post(client, request_data, f"10.1.{n // 200}.{n % 200}")
        assert response.status_code == 302
    response = client.post(
        URL, request_data(email="new@reader.example"), REMOTE_ADDR="10.2.0.1"
    )
    assert response.status_code == 302
    newcomer = ReprintRequest.objects.get(email="new@reader.example")
    page = client.get(response["Location"])
    assert newcomer.reference in page.text
    assert [m.to for m in mail.outbox if newcomer.reference in m.subject] == [
        ["new@reader.example"]
    ]

    # Everything is stored; what came over the threshold is held for review.
    assert ReprintRequest.objects.count() == 65
    held = ReprintRequest.objects.filter(is_held_for_review=True)
    assert held.count() == 5
    assert newcomer in held
    # Editors had the first 60 one by one, then one digest, sent at once, for
    # the first held request; everyone had an acknowledgement.
    assert len(per_item_editor_mails()) == 60
    assert len([m for m in mail.outbox if m.subject.startswith("Your ")]) == 65
    assert len(digests()) == 1
    first = held.order_by("pk").first()
    assert first.reference in digests()[0].body
    assert digests()[0].to == ["reprints@example.org", "editor@example.org"]

    # The rest of the hour's held requests wait for the next hour's digest.
    call_command("send_pending_notifications")
    assert len(digests()) == 1
    hour.now += services.DIGEST_SECONDS
    call_command("send_pending_notifications")
    call_command("send_pending_notifications")
    assert len(digests()) == 2
    later = digests()[1].body
    for req in held.exclude(pk=first.pk):
        assert req.reference in later
    assert first.reference not in later
    assert "4 submissions" in later
    assert not ReprintRequest.objects.filter(editors_notified_at__isnull=True).exists()
    assert ReprintRequest.objects.filter(notified_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_digest_is_retried_and_sent_exactly_once(
    client, contact_data, settings, hour, monkeypatch, caplog
):
    settings.REPRINT_RATE_GLOBAL_PER_HOUR = 1
    deliver = EmailBackend.send_messages

    def digests_fail(self, messages):
        if any(m.subject.startswith("Held for review") for m in messages):
            raise smtplib.SMTPServerDisconnected("mail server down")
        return deliver(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", digests_fail)
    with caplog.at_level(logging.ERROR, logger="imprint.reprints"):
        for n in range(3):
            response = client.post(
                "/contact/", contact_data(), REMOTE_ADDR=f"2001:db8:{n}::1"
            )
            assert response.status_code == 302
    assert "Sending the digest" in caplog.text
    digest = EditorDigest.objects.get()
    assert digest.notified_at is None
    assert digest.contactmessage_set.count() == 1
    # Every sender had an acknowledgement; editors had the first message alone.
    assert len([m for m in mail.outbox if m.to == ["carl@news.example"]]) == 3
    assert len([m for m in mail.outbox if m.to == ["press@example.org"]]) == 1

    monkeypatch.setattr(EmailBackend, "send_messages", deliver)
    call_command("send_pending_notifications")
    call_command("send_pending_notifications")
    assert services.deliver_digest(digest.pk) is False  # nor a late worker
    assert len(digests()) == 1
    assert digests()[0].to == ["press@example.org"]
    held = ContactMessage.objects.filter(is_held_for_review=True).order_by("pk")
    assert held.count() == 2
    assert held[0].reference in digests()[0].body
    hour.now += services.DIGEST_SECONDS
    call_command("send_pending_notifications")
    assert len(digests()) == 2
    assert held[1].reference in digests()[1].body
    assert EditorDigest.objects.filter(notified_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_an_hour_has_one_digest_however_many_ask(contact_data, settings, hour):
    settings.REPRINT_RATE_GLOBAL_PER_HOUR = 0  # everything is held
    made = []
    for n in range(3):
        services.submit_contact_message(
            {**contact_data(), "idempotency_token": f"token-{n}"}
        )
        made.append(services.collect_digest())
    assert made[0] is not None
    assert made[1:] == [None, None]  # this hour's is made
    assert EditorDigest.objects.get().contactmessage_set.count() == 1
    hour.now += services.DIGEST_SECONDS
    pk = services.collect_digest()
    assert pk is not None
    assert services.collect_digest() is None
    assert EditorDigest.objects.get(pk=pk).contactmessage_set.count() == 2


@pytest.mark.django_db
def test_held_requests_are_shown_and_filtered_in_the_inbox(
    admin_client, request_data, settings, client
):
    settings.REPRINT_RATE_GLOBAL_PER_HOUR = 1
    for n in range(2):
        post(client, request_data, f"10.3.0.{n}", organisation=f"Outlet {n}")
    page = admin_client.get(
        "/admin/reprints/reprintrequest/?is_held_for_review__exact=1"
    )
    assert page.status_code == 200
    assert "Outlet 1" in page.text
    assert "Outlet 0" not in page.text
    assert "held for review" in page.text.lower()
