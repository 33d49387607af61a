from django.core.management.base import BaseCommand

from editorial.services import apply_due_changes


class Command(BaseCommand):
    help = (
        "Publish every scheduled change to a live article whose time has come. "
        "Requests do this on their own; run it from cron if the site can go "
        "without visitors for long."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{apply_due_changes()} scheduled changes published.")
