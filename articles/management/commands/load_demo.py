import time

from django.core.management.base import BaseCommand, CommandError

from articles import demo
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Fill the database with a made-up publication: 8 regions, 10 themes, "
        "12 authors with photos, 25 tags, 3 in-depth reports and 60 illustrated "
        "articles. Deterministic (--seed) and idempotent: what exists (by slug) "
        "is left alone, so a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles",
            type=int,
            metavar="N",
            help=(
                "Instead of the 60 illustrated articles, make sure exactly N plain "
                "demo articles exist (no images, shorter bodies, slugs ending "
                "'-b<n>'), created in batches with bulk_create: for load tests. "
                "Running it again with the same N adds nothing; a larger N adds "
                "the difference. Articles made otherwise are not counted."
            ),
        )
        parser.add_argument(
            "--no-images",
            action="store_true",
            help="Skip drawing featured images and author photos (faster).",
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Articles per transaction."
        )

    def handle(self, *args, articles, no_images, seed, batch_size, **options):
        started = time.monotonic()
        before = Article.objects.count()
        if articles is None:
            demo.load_demo(seed=seed, images=not no_images)
        else:
            if articles < 0 or batch_size < 1:
                raise CommandError("--articles and --batch-size must be positive.")
            demo.load_bulk(
                articles, seed=seed, batch_size=batch_size, progress=self.progress
            )
            sample = Article.objects.published().order_by("pk")[:200]
            demo.load_reports(list(sample), seed=seed, images=not no_images)
        added = Article.objects.count() - before
        self.stdout.write(
            self.style.SUCCESS(
                f"{added} articles added, {before + added} in all "
                f"({time.monotonic() - started:.1f} s)."
            )
        )

    def progress(self, done, total, created):
        self.stdout.write(f"  {done:,} of {total:,} checked, {created:,} created")
