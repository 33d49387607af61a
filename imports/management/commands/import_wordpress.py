"""``manage.py import_wordpress FILE``: import a WordPress export (WXR)."""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from editorial import permissions
from imports.images import ImageSource
from imports.mapping import Mapping, MappingError
from imports.services import Importer


class Progress:
    """A progress bar on a terminal; a line every 10% elsewhere (a log)."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.last_tenth = -1

    def __call__(self, done, total):
        total = max(total, done, 1)
        fraction = done / total
        elapsed = time.monotonic() - self.started
        left = elapsed / fraction - elapsed if fraction else 0
        text = f"{done:,}/{total:,} posts · {fraction:.0%} · {_duration(left)} left"
        if self.tty:
            bar = "#" * int(30 * fraction)
            self.stream.write(f"\r[{bar:<30}] {text}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(text + "\n")


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"


class Command(BaseCommand):
    help = (
        "Import posts, authors, categories, tags and featured images from a "
        "WordPress export (Tools › Export). Running it again with the same "
        "export changes nothing; a newer export updates what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WordPress export (.xml).")
        parser.add_argument(
            "--user",
            help="The publisher the import is made in the name of "
            "(default: the first active superuser).",
        )
        parser.add_argument(
            "--mapping",
            help="A TOML file naming the categories that become "
            "regions, themes, reports (see the README).",
        )
        for kind in ("region", "theme", "report"):
            parser.add_argument(
                f"--{kind}",
                action="append",
                default=[],
                metavar="SLUG",
                help=f"A category that becomes a {kind} (repeat; 'slug/*' "
                "for its subcategories).",
            )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="SLUG",
            help="A category not to import at all (repeat).",
        )
        parser.add_argument(
            "--uploads",
            help="A local copy of wp-content/uploads, where images are read from.",
        )
        parser.add_argument(
            "--download-images",
            action="store_true",
            help="Fetch images missing from --uploads from the export's own "
            "site (and --image-host hosts), with a time-out and a size cap.",
        )
        parser.add_argument(
            "--image-host",
            action="append",
            default=[],
            metavar="HOST",
            help="Another host images may be downloaded from (repeat).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be imported; save nothing.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["uploads"] and not Path(options["uploads"]).is_dir():
            raise CommandError(f"No such folder: {options['uploads']}")
        user = self.user(options["user"])
        text = ""
        if options["mapping"]:
            try:
                text = Path(options["mapping"]).read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read the mapping: {error}") from error
        try:
            mapping = Mapping.parse(
                text,
                regions=options["region"],
                themes=options["theme"],
                reports=options["report"],
                skip=options["skip"],
            )
        except MappingError as error:
            raise CommandError(str(error)) from error
        images = ImageSource(
            uploads=options["uploads"],
            download=options["download_images"],
            hosts=options["image_host"],
        )
        importer = Importer(
            user=user,
            mapping=mapping,
            images=images,
            dry_run=options["dry_run"],
            progress=Progress(sys.stderr) if options["verbosity"] else None,
        )
        report = importer.run(path)
        for line in report.lines():
            self.stdout.write(line)
        if report.error:
            raise CommandError(report.error)

    def user(self, username):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
        else:
            user = users.filter(is_superuser=True).order_by("pk").first()
            if user is None:
                raise CommandError(
                    "Name the publisher to import as with --user (there is no "
                    "superuser)."
                )
        if not permissions.can_publish(user):
            raise CommandError(f"{user} may not publish, so may not import.")
        return user
