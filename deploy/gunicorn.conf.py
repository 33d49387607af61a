"""gunicorn for Imprint: ``gunicorn -c deploy/gunicorn.conf.py publication.wsgi``.

Sync workers, one request each at a time: Imprint's pages are quick database
reads, so processes (``WEB_CONCURRENCY``, about two a core) are the simplest way
to use every core, and a slow request holds only its own worker. Run as many
such servers on as many hosts as traffic needs; they share nothing but
PostgreSQL, Redis and the media storage.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# A request taking longer than this is killed and logged (a runaway query).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Restart a worker after this many requests (0: never), if memory creeps up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Varnish or nginx on this host speak for the client (X-Forwarded-*).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
proc_name = "imprint"
# gunicorn 25+ opens a control socket at one path per user: several servers on
# a host would fight over it, and nothing here uses it.
control_socket_disable = True
