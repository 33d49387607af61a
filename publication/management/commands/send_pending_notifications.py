import logging

from django.core.management.base import BaseCommand

from publication import outbox

logger = logging.getLogger("imprint")


class Command(BaseCommand):
    help = (
        "Send every e-mail not yet recorded as sent: reprint requests, contact "
        "messages, replies, digests of what a flood held for review, and the "
        "editorial workflow's e-mails; and the Varnish purges (VARNISH_URLS) "
        "not yet done. Safe to run at any time, e.g. from cron every 5 minutes: "
        "each e-mail is sent once, and at most one digest is made each hour. "
        "Exits 1 when something could not be sent."
    )

    def handle(self, *args, **options):
        sent = failed = 0
        for deliver, pk in list(outbox.pending()):
            try:
                if deliver(pk):
                    sent += 1
            except Exception:
                # Go on with the others; this one stays pending for next time.
                logger.exception("Could not send %s(%s)", deliver.__name__, pk)
                failed += 1
        self.stdout.write(f"{sent} sent, {failed} failed.")
        if failed:
            raise SystemExit(1)
