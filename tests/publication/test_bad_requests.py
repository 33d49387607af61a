"""What a client sends cannot make a 500: a NUL in a cookie or a header, a form
body in a charset Django will not read, an over-long user name. Each answers
with the site's own page and the security headers."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

SECURITY_HEADERS = [
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
]
FORMS = ["/reprints/request/", "/contact/", "/admin/login/", "/no-such-page/"]


def assert_security_headers(response):
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


@pytest.fixture
def csrf_client():
    """CSRF checks on and a cookie set, as a browser is in production: then
    CsrfViewMiddleware reads the body of every POST."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "UTF-16LE", "iso-8859-15"])
@pytest.mark.parametrize("url", FORMS)
def test_a_form_body_django_will_not_read_is_a_400_page(csrf_client, url, charset):
    response = csrf_client.post(
        url,
        b"csrfmiddlewaretoken=x&name=%C3%A9",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "Bad request" in response.text
    assert_security_headers(response)


@pytest.mark.django_db
def test_an_unknown_charset_is_read_as_utf8(client):
    response = client.generic(
        "POST",
        "/contact/",
        b"name=%C3%A9",
        content_type="application/x-www-form-urlencoded; charset=bogus",
    )
    assert response.status_code == 200
    assert "é" in response.text


def test_the_error_pages_do_not_read_the_request(rf):
    from publication import views

    request = rf.post(
        "/contact/",
        b"name=x",
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    response = views.bad_request(request, exception=None)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert not hasattr(request, "_post")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cookie", ['sessionid="abc\\000def"', 'sessionid="\\000"; csrftoken="\\000"']
)
def test_a_nul_in_a_cookie_is_dropped(client, cookie, django_user_model):
    for url in ["/", "/admin/login/", "/search/?q=water"]:
        response = client.get(url, headers={"cookie": cookie})
        assert response.status_code == 200, url
    # The staff pages read the user from the session: an anonymous visitor.
    response = client.get("/admin/", headers={"cookie": cookie})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_good_session_cookie_is_kept(client):
    user = User.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(user)
    # The other cookie is the one dropped.
    client.cookies["stray"] = "a\x00b"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_nul_in_a_header_is_not_stored(client):
    response = client.post(
        "/admin/login/",
        {"username": "someone", "password": "wrong"},
        headers={"user-agent": "Mozilla\x00/5.0", "accept": "text/html\x00"},
    )
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get()
    assert attempt.user_agent == "Mozilla/5.0"


@pytest.mark.django_db
def test_an_over_long_user_name_is_a_failed_login(client):
    name = "u" * 300
    response = client.post("/admin/login/", {"username": name, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text
    attempt = AccessAttempt.objects.get()
    assert attempt.username == name[:255]


@pytest.mark.django_db
def test_a_refused_next_lands_on_the_admin_index(client):
    User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    response = client.post(
        "/admin/login/?next=https://elsewhere.example/",
        {
            "username": "root",
            "password": "a-long-password-1",
            "next": "https://elsewhere.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
