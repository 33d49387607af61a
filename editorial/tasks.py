"""Background work of the desk; safe to run twice (sends only what is unsent)."""

from django.tasks import task

from . import notify


@task
def send_notification(notification_id):
    notify.deliver(notification_id)
