import logging

from django.core.management.base import BaseCommand
from django.utils import timezone

from reprints import services
from reprints.models import RateCounter

logger = logging.getLogger("imprint.reprints")


class Command(BaseCommand):
    help = (
        "Send every e-mail not yet recorded as sent (reprint requests, contact "
        "messages, replies, digests of what a flood held for review). Safe to "
        "run at any time, e.g. from cron every 5 minutes: each e-mail is sent "
        "once, and at most one digest is made each hour."
    )

    def handle(self, *args, **options):
        sent = failed = 0
        # Submissions held since this hour's digest went out wait for the next
        # hour's: the first run of the command in that hour makes it.
        services.collect_digest()
        for deliver, pk in list(services.pending()):
            try:
                if deliver(pk):
                    sent += 1
            except Exception:
                # Go on with the others; this one stays pending for next time.
                logger.exception("Could not send %s(%s)", deliver.__name__, pk)
                failed += 1
        RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
        self.stdout.write(f"{sent} sent, {failed} failed.")
        if failed:
            raise SystemExit(1)
