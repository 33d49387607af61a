import pytest
from django.test import Client

from reprints.abuse import issue_form_token
from reprints.models import RateCounter, ReprintRequest

URL = "/reprints/request/"


@pytest.mark.django_db
def test_csrf_is_required(request_data):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, request_data())
    assert response.status_code == 403
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
def test_filled_honeypot_is_a_form_error_and_stores_nothing(client, request_data):
    response = client.post(URL, request_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "This field must be left empty" in response.text
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
def test_too_fast_submission_asks_to_take_a_moment_and_keeps_values(
    client, request_data
):
    token = issue_form_token()
    response = client.post(URL, request_data(form_token=token))
    assert "Please take a moment" in response.text
    assert "Outlet Weekly" in response.text
    assert token in response.text  # same token: the clock keeps running
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "garbage", "abc:def:ghi"])
def test_tampered_token_is_refused_with_a_new_one(client, request_data, token):
    response = client.post(URL, request_data(form_token=token))
    assert "Please take a moment" in response.text
    assert ReprintRequest.objects.count() == 0


@pytest.mark.django_db
def test_fill_time_can_be_lowered_by_setting(client, request_data, settings):
    settings.REPRINT_MIN_FILL_SECONDS = 0
    response = client.post(URL, request_data(form_token=issue_form_token()))
    assert response.status_code == 302


@pytest.mark.django_db
def test_double_submit_makes_one_request(client, request_data):
    data = request_data()
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ReprintRequest.objects.count() == 1


@pytest.mark.django_db
def test_database_cache_counts_in_rate_counter_rows(client, request_data, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "imprint_cache",
        }
    }
    client.post(URL, request_data())
    counter = RateCounter.objects.get()  # one row per client and form
    assert counter.key == "rate:reprint:127.0.0.1"
    assert len(counter.hits) == 1
    for _ in range(4):
        assert client.post(URL, request_data()).status_code == 302
    assert client.post(URL, request_data()).status_code == 429


@pytest.mark.django_db
def test_sixth_request_in_ten_minutes_is_a_429(client, request_data):
    for _ in range(5):
        assert client.post(URL, request_data()).status_code == 302
    response = client.post(URL, request_data())
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 601
    assert "Please try again after" in response.text
    assert ReprintRequest.objects.count() == 5
    # Another client is not affected.
    other = client.post(URL, request_data(), REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302


@pytest.mark.django_db
def test_daily_limit(client, request_data, settings):
    settings.REPRINT_RATE_PER_10_MIN = 100
    settings.REPRINT_RATE_PER_DAY = 3
    for _ in range(3):
        assert client.post(URL, request_data()).status_code == 302
    assert client.post(URL, request_data()).status_code == 429


@pytest.mark.django_db
def test_limits_count_in_a_non_database_cache_too(client, request_data, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    try:
        for _ in range(5):
            assert client.post(URL, request_data()).status_code == 302
        assert client.post(URL, request_data()).status_code == 429
    finally:
        caches["default"].clear()


@pytest.mark.django_db
def test_redis_counts_the_limits_for_every_process(client, request_data, redis_cache):
    for _ in range(5):
        assert client.post(URL, request_data()).status_code == 302
    assert client.post(URL, request_data()).status_code == 429
    assert RateCounter.objects.count() == 0  # counted in Redis, not the database
