"""Requests per client per minute, shared by every process through the cache.

A sliding-window counter: the count of the current minute plus the previous
minute's, weighted by how much of it still lies inside the last 60 seconds.
The counters live in the ``api_limits`` cache: Redis when configured, where
``incr`` is atomic, so no process can let a client past the limit by racing
another; without Redis each process counts in its own memory (no database
query per API request). The estimate never under-counts a steady client by more
than one minute's rounding.
"""

import math
import time

from django.conf import settings
from django.core.cache import caches

from publication.clients import client_key

WINDOW = 60


def clock():
    """Seconds since the epoch (tests move it)."""
    return time.time()


def per_minute():
    return getattr(settings, "API_RATE_PER_MINUTE", 300)


def over_limit(request, scope="api"):
    """Count one request from this client; the whole seconds to wait if it is
    over the limit (then it is not counted), else None."""
    limit = per_minute()
    if limit <= 0:
        return None
    now = clock()
    bucket = int(now // WINDOW)
    elapsed = now - bucket * WINDOW
    who = client_key(request)
    current_key = f"rate:{scope}:{who}:{bucket}"
    previous_key = f"rate:{scope}:{who}:{bucket - 1}"
    cache = caches["api_limits"]
    counts = cache.get_many([previous_key, current_key])
    previous = counts.get(previous_key, 0)
    current = counts.get(current_key, 0)
    weight = (WINDOW - elapsed) / WINDOW
    if previous * weight + current >= limit:
        if current >= limit:
            return max(1, math.ceil(WINDOW - elapsed))
        # Until enough of the previous minute has slid out of the window.
        seconds = WINDOW - (limit - current) * WINDOW / previous - elapsed
        return max(1, math.ceil(seconds))
    if cache.add(current_key, 1, 2 * WINDOW):
        return None
    try:
        cache.incr(current_key)
    except ValueError:
        # Expired between add() and incr(): start the minute again.
        cache.set(current_key, 1, 2 * WINDOW)
    return None
