"""`make bench`: the reader's pages at 100,000 articles, timed in-process.

Builds (once; later runs reuse it) a publication of ``--articles`` articles in its
own SQLite file, or in the database ``BENCH_DATABASE_URL`` names, then requests
each public page type ``--repeat`` times through Django's test client and prints
the median and 95th-percentile time, the number of SQL queries and the peak
memory. It exits 1 when a page misses its budget, so the targets are checked
here and never in a timed unit test.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

BUDGET_MS = 250  # median per page on one core of a small machine
BUDGET_QUERIES = 15
BUDGET_RSS_MB = 400


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    return parser.parse_args()


def setup_django(articles):
    database = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path('/tmp') / f'imprint-bench-{articles}.sqlite3'}"
    )
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo", "--no-images", verbosity=0)
    call_command("load_demo", "--articles", str(articles), verbosity=0)
    print(f"database ready: {database} ({time.perf_counter() - started:.0f} s)")
    setup_test_environment()


def pages():
    from articles.models import Article
    from authors.models import Author
    from regions.models import Region
    from themes.models import Theme

    article = Article.objects.published().newest_first().first()
    region = Region.objects.order_by("pk").first()
    theme = Theme.objects.order_by("pk").first()
    author = Author.objects.order_by("pk").first()
    tag = article.tags.first()
    from django.test import Client

    client = Client()
    # The last page of the biggest listing, found by walking the page count the
    # listing itself reports.
    response = client.get(region.get_absolute_url())
    paginator = response.context["paginator"] if response.context else None
    region_pages = paginator.num_pages if paginator else 1
    deep = max(1, region_pages // 2)
    from articles.sitemaps import ArticleSitemap

    last_sitemap = ArticleSitemap().paginator.num_pages
    urls = {
        "home": "/",
        "article": article.get_absolute_url(),
        "region, page 1": region.get_absolute_url(),
        f"region, page {deep}": f"{region.get_absolute_url()}?page={deep}",
        f"region, page {region_pages} (last)": (
            f"{region.get_absolute_url()}?page={region_pages}"
        ),
        "theme": theme.get_absolute_url(),
        "regions index": "/regions/",
        "themes index": "/themes/",
        "reports index": "/reports/",
        "authors index": "/authors/",
        "author": author.get_absolute_url(),
        "search": "/search/?q=water+policy",
        "search, phrase": '/search/?q="water+policy"+-energy',
        "RSS feed": "/feeds/rss/",
        "Atom feed": "/feeds/atom/",
        "sitemap index": "/sitemap.xml",
        "sitemap, first articles file": "/sitemap-articles.xml",
        "sitemap, last articles file": f"/sitemap-articles.xml?p={last_sitemap}",
        "sitemap, listings": "/sitemap-listings.xml",
    }
    if tag:
        urls["tag"] = f"/tags/{tag.slug}/"
    return client, urls


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: caches, prepared boundaries
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries)


def main():
    args = parse_args()
    setup_django(args.articles)
    from articles.models import Article

    client, urls = pages()
    print(f"{Article.objects.count():,} articles, {args.repeat} requests a page\n")
    print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    failures = []
    for name, url in urls.items():
        median, p95, queries = measure(client, url, args.repeat)
        flag = ""
        if median > BUDGET_MS or queries > BUDGET_QUERIES:
            failures.append(name)
            flag = "  over budget"
        print(f"{name:34} {median:10.1f} {p95:8.1f} {queries:8d}{flag}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory: {rss_mb:.0f} MB (budget {BUDGET_RSS_MB} MB)")
    if rss_mb > BUDGET_RSS_MB:
        failures.append("memory")
    print(
        f"budget: median {BUDGET_MS} ms and {BUDGET_QUERIES} queries a page: "
        + ("met" if not failures else f"missed by {', '.join(failures)}")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
