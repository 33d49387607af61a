"""Load test for the reprint request form against a running gunicorn.

Starts gunicorn on a temporary database (SQLite, or PostgreSQL with --postgres),
sends N submissions from C concurrent clients (each GETs the form for its CSRF
token and form token, then POSTs; every tenth is sent twice, as a double
click), then checks that every accepted request is stored exactly once and that
no response was a 500.

    .venv/bin/python benchmarks/load_reprints.py                 # SQLite
    .venv/bin/python benchmarks/load_reprints.py --postgres postgres://postgres@127.0.0.1:5432/imprint_reprints_load

The run raises the rate limits and turns off the minimum fill time through a
settings module written to a temporary folder (REPRINT_* settings), and sends
e-mail to the dummy backend.
"""

import argparse
import concurrent.futures
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SETTINGS = """
from publication.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
REPRINT_MIN_FILL_SECONDS = 0
REPRINT_RATE_PER_10_MIN = 1_000_000
REPRINT_RATE_PER_DAY = 1_000_000
REPRINT_RATE_GLOBAL_PER_HOUR = 1_000_000
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
LOGGING["loggers"]["django"]["level"] = "WARNING"
"""

SETUP = """
from django.utils import timezone
from articles.models import Article
Article.objects.get_or_create(
    slug="load-test",
    defaults={"title": "Load test", "status": "published",
              "publish_at": timezone.now() - timezone.timedelta(days=1)},
)
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def field(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def one_client(base, n, double):
    """One reader: fetch the form, post it (twice if double). Returns a list of
    (status, location) pairs."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), NoRedirect
    )
    url = f"{base}/reprints/request/?article=load-test"
    with opener.open(url, timeout=60) as response:
        html = response.read().decode()
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": field(html, "csrfmiddlewaretoken"),
            "form_token": field(html, "form_token"),
            "article": "load-test",
            "name": f"Reader {n}",
            "email": f"reader{n}@example.org",
            "organisation": "Load Weekly",
            "outlet_url": "https://load.example/",
            "medium": "website",
            "language": "English",
            "intended_date": (date.today() + timedelta(days=3)).isoformat(),
            "message": "",
            "agree": "on",
            "website": "",
        }
    ).encode()
    results = []
    for _ in range(2 if double else 1):
        request = urllib.request.Request(
            f"{base}/reprints/request/",
            data=data,
            headers={"Referer": url},
        )
        try:
            with opener.open(request, timeout=60) as response:
                results.append((response.status, ""))
        except urllib.error.HTTPError as error:
            results.append((error.code, error.headers.get("Location", "")))
    return results


def manage(env, *args):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def recreate_postgres(url):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(total, concurrency, port, database_url=None, workers=4):
    folder = Path(tempfile.mkdtemp(prefix="imprint-load-"))
    (folder / "load_settings.py").write_text(textwrap.dedent(SETTINGS))
    if database_url:
        recreate_postgres(database_url)
    else:
        database_url = f"sqlite:///{folder / 'load.sqlite3'}"
    env = {
        **os.environ,
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "immediate",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "shell", "--no-imports", "-c", SETUP)
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "publication.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/reprints/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            futures = [
                pool.submit(one_client, base, n, n % 10 == 0) for n in range(total)
            ]
            outcomes = [future.result() for future in futures]
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = Counter(status for result in outcomes for status, _ in result)
    accepted = {
        location
        for result in outcomes
        for status, location in result
        if status == 302 and "/sent/" in location
    }
    doubles_consistent = all(
        len({location for _, location in result}) == 1
        for result in outcomes
        if len(result) == 2
    )
    stored = int(
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from reprints.models import ReprintRequest as R;"
            "print(R.objects.count(), R.objects.values('idempotency_token')"
            ".distinct().count())",
        ).split()[-2]
    )
    report = {
        "database": database_url.split(":", 1)[0],
        "submissions": total,
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "statuses": dict(statuses),
        "accepted": len(accepted),
        "stored": stored,
        "double_submits_consistent": doubles_consistent,
    }
    ok = (
        statuses.get(500, 0) == 0
        and len(accepted) == total
        and stored == total
        and doubles_consistent
    )
    return ok, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--postgres", metavar="URL", help="run on this PostgreSQL database"
    )
    args = parser.parse_args()
    ok, report = run(
        args.total, args.concurrency, args.port, args.postgres, args.workers
    )
    for key, value in report.items():
        print(f"{key}: {value}")  # noqa: T201
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
