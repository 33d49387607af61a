"""The per-client limits slide, count an IPv6 /64 as one client, and are shared
by every process (Redis or the database); other people's traffic never refuses
a reader."""

import pytest

from reprints.abuse import client_key, parse_address
from reprints.models import RateCounter, ReprintRequest

URL = "/reprints/request/"
# A multiple of 600 s and of 86,400 s: where the old fixed windows started over.
BOUNDARY = 86_400 * 20_000


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(BOUNDARY - 14)
    monkeypatch.setattr("reprints.abuse.clock", clock)
    return clock


@pytest.fixture(params=["database", "redis"])
def backend(request):
    """Each limit test runs on both places the counts can live."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return request.param


def post(client, request_data, address="192.0.2.10", **data):
    return client.post(URL, request_data(**data), REMOTE_ADDR=address)


@pytest.mark.django_db
def test_ten_requests_in_28_seconds_across_a_boundary_pass_only_five(
    client, request_data, clock, backend
):
    statuses = []
    for _ in range(10):
        statuses.append(post(client, request_data).status_code)
        clock.now += 3
    assert statuses == [302] * 5 + [429] * 5
    assert ReprintRequest.objects.count() == 5
    assert RateCounter.objects.exists() == (backend == "database")


@pytest.mark.django_db
def test_retry_after_is_the_real_wait(client, request_data, clock, backend):
    first = clock.now
    for _ in range(5):
        assert post(client, request_data).status_code == 302
        clock.now += 3
    response = post(client, request_data)
    assert response.status_code == 429
    # The first of the five leaves the ten minutes at first + 600.
    assert int(response["Retry-After"]) == 600 - (clock.now - first)
    clock.now = first + 599.5
    assert post(client, request_data)["Retry-After"] == "1"
    clock.now = first + 600
    assert post(client, request_data).status_code == 302
    # Refused attempts were not counted: the next one waits for the second hit.
    response = post(client, request_data)
    assert int(response["Retry-After"]) == 3


@pytest.mark.django_db
def test_daily_limit_slides_too(client, request_data, clock, backend, settings):
    settings.REPRINT_RATE_PER_DAY = 3
    first = clock.now
    for _ in range(3):
        assert post(client, request_data).status_code == 302
        clock.now += 601  # past the ten-minute limit each time
    clock.now = first + 86_399
    response = post(client, request_data)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    clock.now = first + 86_400
    assert post(client, request_data).status_code == 302


@pytest.mark.django_db
def test_an_ipv6_64_is_one_client(client, request_data, clock, backend):
    for n in range(5):
        address = f"2001:db8:1:2:{n}::{n + 1}"
        assert post(client, request_data, address).status_code == 302
    assert post(client, request_data, "2001:db8:1:2:ffff::9").status_code == 429
    assert post(client, request_data, "2001:db8:1:3::1").status_code == 302


@pytest.mark.django_db
def test_ipv4_addresses_are_counted_one_by_one(client, request_data, clock, backend):
    for _ in range(5):
        assert post(client, request_data, "198.51.100.7").status_code == 302
    # The same address written as IPv4-mapped IPv6 is the same client.
    assert post(client, request_data, "::ffff:198.51.100.7").status_code == 429
    assert post(client, request_data, "198.51.100.8").status_code == 302


@pytest.mark.parametrize(
    ("raw", "address", "key"),
    [
        ("192.0.2.1", "192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1:5678 ", "192.0.2.1", "192.0.2.1"),
        ("::FFFF:192.0.2.1", "192.0.2.1", "192.0.2.1"),
        ("2001:DB8::1", "2001:db8::1", "2001:db8::/64"),
        ("[2001:db8:0:0:1::1]:443", "2001:db8::1:0:0:1", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::1", "fe80::/64"),
        ("", None, "unknown"),
        ("unknown", None, "unknown"),
        ("999.1.1.1", None, "unknown"),
        ("1.2.3.4\x00", None, "unknown"),
        ("<script>", None, "unknown"),
    ],
)
def test_addresses_are_normalised(rf, raw, address, key):
    assert parse_address(raw) == address
    assert client_key(rf.get("/", REMOTE_ADDR=raw)) == key


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
@pytest.mark.parametrize("garbage", ["not-an-address", "1.2.3", "::g", "a,,b", ""])
def test_garbage_addresses_do_not_break_the_form(
    client, request_data, settings, proxies, garbage
):
    settings.REPRINT_TRUSTED_PROXIES = proxies
    response = client.post(
        URL,
        request_data(),
        REMOTE_ADDR=garbage if not proxies else "10.0.0.1",
        HTTP_X_FORWARDED_FOR=garbage,
    )
    assert response.status_code == 302
    stored = ReprintRequest.objects.get()
    assert stored.client_ip == (None if not proxies or garbage else "10.0.0.1")
