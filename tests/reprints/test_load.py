"""500 submissions from 20 concurrent clients against gunicorn: every accepted
request stored exactly once, no 500. Runs benchmarks/load_reprints.py."""

import os
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_reprints import run  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def postgres_load_url():
    parts = urllib.parse.urlsplit(DATABASE_URL)
    return parts._replace(path="/imprint_reprints_load").geturl()


def free_port():
    """A port no one listens on now, so two runs on one machine never meet."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "database",
    [
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                not ON_POSTGRES, reason="DATABASE_URL is not PostgreSQL"
            ),
        ),
    ],
)
def test_500_concurrent_submissions_are_each_stored_once(database):
    url = postgres_load_url() if database == "postgres" else None
    port = free_port()
    ok, report = run(total=500, concurrency=20, port=port, database_url=url)
    assert report["statuses"].get(500, 0) == 0, report
    assert ok, report
