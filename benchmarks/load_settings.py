"""Settings for the load benchmark (``benchmarks.load``): the site's own, with
a bare view added (``benchmarks.load_urls``) to measure the framework's ceiling
under the same server and middleware."""

import os

from publication.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load_urls"

# A second server's cache beside this one's in the same Redis database (the
# load benchmark runs today's code next to the new).
if os.environ.get("LOAD_KEY_PREFIX"):
    for _cache in CACHES.values():  # noqa: F405
        if "KEY_PREFIX" in _cache:
            _cache["KEY_PREFIX"] = os.environ["LOAD_KEY_PREFIX"] + _cache["KEY_PREFIX"]
