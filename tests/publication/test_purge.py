"""Purges for Varnish: a change's keys are stored, sent after commit by a task
to every Varnish in VARNISH_URLS, and retried until each has taken them."""

import io
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from deploy.stack import free_port
from publication import purge
from publication.models import Purge
from publication.surrogates import keys_changed


class FakeVarnish:
    """An HTTP server that records each PURGE and answers ``status``."""

    def __init__(self):
        self.requests = []
        self.status = 200
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self):
                recorder.requests.append(self.headers)
                self.send_response(recorder.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def keys(self, header="xkey-softpurge"):
        return [request[header] for request in self.requests if request[header]]


@pytest.fixture
def varnish(settings):
    servers = [FakeVarnish(), FakeVarnish()]
    settings.VARNISH_URLS = [server.url for server in servers]
    yield servers
    for server in servers:
        server.stop()


def change(keys, capture):
    with capture(execute=True):
        keys_changed.send(sender=None, keys=frozenset(keys))


@pytest.mark.django_db
def test_without_varnish_nothing_is_stored(
    settings, django_capture_on_commit_callbacks
):
    settings.VARNISH_URLS = []
    change({"article-1"}, django_capture_on_commit_callbacks)
    assert not Purge.objects.exists()


@pytest.mark.django_db
def test_a_change_purges_its_keys_from_every_varnish(
    varnish, django_capture_on_commit_callbacks
):
    change({"region-3", "article-12", "listings"}, django_capture_on_commit_callbacks)
    for server in varnish:
        assert server.keys() == ["article-12 listings region-3"]
    stored = Purge.objects.get()
    assert stored.purged_at is not None
    assert stored.attempts == 1


@pytest.mark.django_db
def test_a_hard_purge_when_asked(settings, varnish, django_capture_on_commit_callbacks):
    settings.VARNISH_PURGE = "hard"
    change({"article-12"}, django_capture_on_commit_callbacks)
    assert varnish[0].keys("xkey-purge") == ["article-12"]


@pytest.mark.django_db
def test_the_purge_waits_for_the_commit(varnish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        keys_changed.send(sender=None, keys=frozenset({"article-12"}))
        assert Purge.objects.count() == 1
    assert varnish[0].requests == []
    for callback in callbacks:
        callback()
    assert varnish[0].keys() == ["article-12"]


@pytest.mark.django_db
def test_many_keys_go_in_several_requests(varnish, django_capture_on_commit_callbacks):
    keys = {f"tag-{n}" for n in range(2000)}
    change(keys, django_capture_on_commit_callbacks)
    sent = varnish[0].keys()
    assert len(sent) > 1
    assert all(len(value) <= purge.HEADER_BYTES for value in sent)
    assert {key for value in sent for key in value.split()} == keys


@pytest.mark.django_db
def test_a_failed_purge_never_fails_the_change_and_is_retried_by_the_cron(
    varnish, django_capture_on_commit_callbacks
):
    varnish[1].status = 403  # say, an ACL that forgot this host
    change({"article-12"}, django_capture_on_commit_callbacks)
    stored = Purge.objects.get()
    assert stored.purged_at is None
    assert stored.attempts == 1
    assert "403" in stored.last_error
    assert stored.sending_until is None  # released for the retry

    varnish[1].status = 200
    call_command("send_pending_notifications", stdout=io.StringIO())
    stored.refresh_from_db()
    assert stored.purged_at is not None
    assert stored.last_error == ""
    assert varnish[1].keys() == ["article-12", "article-12"]


@pytest.mark.django_db
def test_an_unreachable_varnish_is_an_error_recorded(
    settings, django_capture_on_commit_callbacks
):
    settings.VARNISH_URLS = [f"http://127.0.0.1:{free_port()}"]
    change({"article-12"}, django_capture_on_commit_callbacks)
    stored = Purge.objects.get()
    assert stored.purged_at is None
    assert stored.last_error


@pytest.mark.django_db
def test_the_task_queue_retries_a_failed_purge_later(
    settings, varnish, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    varnish[0].status = 503
    change({"article-12"}, django_capture_on_commit_callbacks)
    stored = Purge.objects.get()
    queued = DBTaskResult.objects.get()
    assert stored.purged_at is None  # queued, not sent: the request wrote a row

    before = timezone.now()
    with pytest.raises(purge.PurgeFailed):
        purge.deliver_or_retry(stored.pk)
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.run_after >= before + timedelta(seconds=purge.RETRY_DELAYS[0] - 1)
    assert retry.args_kwargs["args"] == [stored.pk]


@pytest.mark.django_db
def test_a_purge_is_sent_once(varnish, django_capture_on_commit_callbacks):
    change({"article-12"}, django_capture_on_commit_callbacks)
    stored = Purge.objects.get()
    assert purge.deliver(stored.pk) is False
    assert varnish[0].keys() == ["article-12"]


@pytest.mark.django_db
def test_old_purges_are_dropped(varnish, django_capture_on_commit_callbacks):
    change({"article-12"}, django_capture_on_commit_callbacks)
    Purge.objects.update(purged_at=timezone.now() - timedelta(days=2))
    assert list(purge.pending()) == []
    assert not Purge.objects.exists()
