"""Background work. Each task is safe to run twice: it sends only what is not
yet recorded as sent. A failed run leaves the row unsent;
`manage.py send_pending_notifications` (cron) or a re-enqueue retries it."""

from django.tasks import task

from . import services


@task
def notify_request(request_id):
    services.deliver_request_notifications(request_id)


@task
def notify_contact(message_id):
    services.deliver_contact_notifications(message_id)


@task
def send_reply(event_id):
    services.deliver_reply(event_id)


@task
def send_digest():
    """Make this hour's digest of held submissions, if none yet, and send it."""
    pk = services.collect_digest()
    if pk is not None:
        services.deliver_digest(pk)
