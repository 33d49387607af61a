"""Static files carry the security headers every page has. WhiteNoise serves
them from STATIC_ROOT in production, so the test collects into a folder of its
own and asks WhiteNoise, as gunicorn would."""

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_static_files_carry_the_security_headers(collected):
    assert (collected / "css" / "site.css").exists()
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_csrf_cookie_is_out_of_reach_of_scripts(client):
    response = client.get("/contact/")
    assert response.status_code == 200
    assert response.cookies["csrftoken"]["httponly"]
