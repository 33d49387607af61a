"""The local servers some tests need besides the database."""

import os

import pytest


def local_redis(default_url):
    """The Redis server at REDIS_URL, else ``default_url``: ``(url, client)``.
    The test is skipped when none answers, except in CI, where the server runs
    and the test must pass."""
    import redis

    url = os.environ.get("REDIS_URL", default_url)
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {url}")
    return url, server
