"""Background work of the project package."""

from django.tasks import task

from . import purge


@task
def purge_keys(purge_id):
    """Send one stored purge to every Varnish; a failure queues a retry."""
    purge.deliver_or_retry(purge_id)
