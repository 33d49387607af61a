from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from reprints.models import ReprintRequest

URL = "/reprints/request/"


def post(client, data, **kwargs):
    return client.post(URL, data, **kwargs)


@pytest.mark.django_db
def test_form_prefills_the_article_from_the_link(client, article, terms):
    response = client.get(URL, {"article": article.slug})
    assert response.status_code == 200
    assert article.title in response.text
    assert f'type="hidden" name="article" value="{article.slug}"' in response.text
    assert "Leave this field empty" in response.text
    assert 'tabindex="-1"' in response.text


@pytest.mark.django_db
def test_form_offers_only_public_reprintable_articles(client, article):
    Article.objects.create(title="Draft piece", slug="draft-piece")
    Article.objects.create(
        title="Third party",
        slug="third-party",
        status=Article.Status.PUBLISHED,
        is_reprintable=False,
    )
    response = client.get(URL)
    assert article.title in response.text
    assert "Draft piece" not in response.text
    assert "Third party" not in response.text


@pytest.mark.django_db(transaction=True)
def test_valid_request_is_stored_and_confirmed_with_reference(client, request_data):
    response = post(client, request_data(), follow=True)
    assert response.status_code == 200
    stored = ReprintRequest.objects.get()
    assert stored.reference.startswith("RP-")
    assert stored.reference in response.text
    assert stored.terms is not None
    assert stored.notified_at is not None
    # One e-mail to the editors, one acknowledgement to the requester.
    assert len(mail.outbox) == 2
    editors, ack = mail.outbox
    assert editors.to == ["reprints@example.org", "editor@example.org"]
    assert editors.reply_to == ["bea@outlet.example"]
    assert ack.to == ["bea@outlet.example"]
    assert stored.reference in ack.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("article", "", "This field is required"),
        ("article", "no-such-article", "Choose an article that is available"),
        ("name", "", "This field is required"),
        ("name", "x" * 201, "at most 200 characters"),
        ("email", "", "This field is required"),
        ("email", "not-an-address", "Enter a valid email address"),
        ("organisation", "", "This field is required"),
        ("outlet_url", "", "This field is required"),
        ("outlet_url", "javascript:alert(1)", "Enter a valid URL"),
        ("outlet_url", "ftp://outlet.example/", "Enter a valid URL"),
        ("medium", "", "This field is required"),
        ("medium", "telepathy", "Select a valid choice"),
        ("language", "", "This field is required"),
        ("intended_date", "", "This field is required"),
        ("intended_date", "yesterday", "Enter a valid date"),
        ("agree", "", "Please agree to the reprint terms"),
    ],
)
def test_each_bad_input_is_shown_next_to_its_field_and_values_kept(
    client, request_data, field, value, message
):
    data = request_data(**{field: value})
    if field == "agree":
        del data["agree"]
    response = post(client, data)
    assert response.status_code == 200
    assert message in response.text
    assert f'id="id_{field}_error"' in response.text
    assert ReprintRequest.objects.count() == 0
    if field != "organisation":
        assert "Outlet Weekly" in response.text  # other values kept


@pytest.mark.django_db
def test_past_date_is_refused(client, request_data):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post(client, request_data(intended_date=past))
    assert "Choose today or a later date" in response.text
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
def test_unpublished_or_unreprintable_article_is_refused(client, request_data, article):
    Article.objects.filter(pk=article.pk).update(is_reprintable=False)
    response = post(client, request_data())
    assert "Choose an article that is available" in response.text
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "email", "organisation", "language"])
@pytest.mark.parametrize("evil", ["\r\nBcc: victim@example.org", "\nX: y", "\r"])
def test_line_breaks_in_header_fields_are_a_form_error(
    client, request_data, field, evil
):
    value = {
        "name": "Bea",
        "email": "bea@outlet.example",
        "organisation": "O",
        "language": "fr",
    }[field]
    response = post(client, request_data(**{field: value + evil + "tail"}))
    assert response.status_code == 200
    assert ReprintRequest.objects.count() == 0
    assert f'id="id_{field}_error"' in response.text


@pytest.mark.django_db
def test_line_break_at_end_of_email_is_refused_too(client, request_data):
    response = post(client, request_data(email="bea@outlet.example\r\n"))
    assert "without line breaks" in response.text
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
def test_confirmation_link_cannot_be_forged(client):
    response = client.get(reverse("reprints:request_sent", args=["RP-2026-AAAA"]))
    assert response.status_code == 404
