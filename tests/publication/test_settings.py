"""Settings read from the environment, and the security a deployment gets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

PROJECT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7-" + "k" * 60 + "-a-long-random-production-secret",
    "DJANGO_ALLOWED_HOSTS": "review.example.org",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.org:587?tls=1",
}


def run_python(code, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_URL", "REDIS_URL"))
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="publication.settings")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_value(expression, **env):
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        f"print({expression})",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sqlite_by_default_in_wal_mode_with_immediate_transactions():
    assert settings_value("settings.DATABASES['default']['ENGINE']") == (
        "django.db.backends.sqlite3"
    )
    options = settings_value("settings.DATABASES['default']['OPTIONS']")
    assert "journal_mode=WAL" in options
    assert "'transaction_mode': 'IMMEDIATE'" in options
    assert settings_value("settings.DEBUG") == "False"


def test_database_url_switches_to_postgresql():
    url = "postgres://imprint:pw@db.example.org:5432/imprint"
    assert settings_value(
        "settings.DATABASES['default']['ENGINE']", DATABASE_URL=url
    ) == ("django.db.backends.postgresql")
    assert (
        settings_value(
            "settings.DATABASES['default']['CONN_MAX_AGE']", DATABASE_URL=url
        )
        == "60"
    )
    assert (
        settings_value(
            "settings.DATABASES['default']['CONN_HEALTH_CHECKS']", DATABASE_URL=url
        )
        == "True"
    )


def test_redis_url_switches_the_cache():
    backend = settings_value(
        "settings.CACHES['default']['BACKEND']", REDIS_URL="redis://127.0.0.1:6379/1"
    )
    assert backend == "publication.cache_backends.RedisCache"
    assert settings_value("settings.CACHES['default']['BACKEND']") == (
        "django.core.cache.backends.db.DatabaseCache"
    )


def test_email_url_configures_smtp_through_mailers():
    options = settings_value("settings.MAILERS['default']", **PRODUCTION)
    assert "smtp.EmailBackend" in options
    assert "'host': 'smtp.example.org'" in options
    assert "'port': 587" in options
    assert "'use_tls': True" in options


def test_deploy_check_is_clean_with_production_variables():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', "
        "'--fail-level', 'WARNING'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_deploy_check_fails_without_a_secret_key():
    result = run_python(
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', "
        "'--fail-level', 'WARNING'])",
        DJANGO_ALLOWED_HOSTS="review.example.org",
    )
    assert result.returncode != 0


@pytest.mark.django_db
def test_security_headers_on_every_response(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_admin_login_locks_after_five_failures(client, django_user_model):
    django_user_model.objects.create_superuser(
        "editor", "e@example.org", "right-pass-123"
    )
    for _ in range(5):
        response = client.post(
            "/admin/login/", {"username": "editor", "password": "wrong"}
        )
    response = client.post(
        "/admin/login/", {"username": "editor", "password": "right-pass-123"}
    )
    assert response.status_code == 429
    assert "locked" in response.text.lower()


@pytest.mark.django_db
def test_lockout_is_per_user_name(client, django_user_model):
    django_user_model.objects.create_superuser(
        "editor", "e@example.org", "right-pass-123"
    )
    for _ in range(5):
        client.post("/admin/login/", {"username": "someone", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "editor", "password": "right-pass-123"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_errors_are_logged_with_the_request_path(client, caplog, monkeypatch):
    from articles import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.HomeView, "get", explode)
    client.raise_request_exception = False
    response = client.get("/?from=test")
    assert response.status_code == 500
    assert any(
        "Internal Server Error: /" in record.getMessage()
        for record in caplog.records
        if record.name == "django.request"
    )


def test_object_storage_switch():
    backend = settings_value(
        "settings.STORAGES['default']['BACKEND']",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="imprint-media",
        AWS_S3_CUSTOM_DOMAIN="media.example.org",
    )
    assert backend == "storages.backends.s3.S3Storage"
    policy = settings_value(
        "settings.SECURE_CSP['img-src']",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="imprint-media",
        AWS_S3_CUSTOM_DOMAIN="media.example.org",
    )
    assert "https://media.example.org" in policy
    result = run_python("import django; django.setup()", MEDIA_STORAGE="s3")
    assert "needs AWS_STORAGE_BUCKET_NAME" in result.stderr
