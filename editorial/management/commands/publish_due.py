from django.core.management.base import BaseCommand

from editorial.services import announce_due_publications, apply_due_changes


class Command(BaseCommand):
    help = (
        "Publish every scheduled change to a live article whose time has come, "
        "and tell the caches about scheduled articles that went public. "
        "Requests do this on their own; run it from cron if the site can go "
        "without visitors for long."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{apply_due_changes()} scheduled changes published.")
        self.stdout.write(
            f"{announce_due_publications()} scheduled articles went public."
        )
