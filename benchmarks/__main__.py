"""`make bench`: the reader's pages and the admin article list at 1,000 and at
100,000 articles, timed in-process, and how each page's time grows between them.

For each size (``--sizes``; ``--articles N`` runs one size alone) it builds
(once; later runs reuse it) a publication of that many articles, each with a
history of 5 revisions and about 1% of the live ones with a working draft
(``benchmarks.revisions``), in its own SQLite file or in the database
``BENCH_DATABASE_URL`` names (that name for 100,000 articles, ``<name>_<size>``
for another size; created when missing). It then requests each public page type
and the admin article list (as a superuser) ``--repeat`` times through Django's
test client and prints the median and 95th-percentile time, the number of SQL
queries and the peak memory. Every size runs in a process of its own. The
responses are rendered each time: nothing in front of Django caches them, so
these are page-cache misses (the boundaries, counts and lists the pages keep in
Django's cache are warm, as they are on a live site).

It exits 1 when a page misses its budget, when a public page takes more than
``BUDGET_GROWTH`` times as long at 100,000 articles as at 1,000 (nothing a
reader asks for may cost in proportion to the archive: deep listing pages, the
article page with its related articles, a search for a common word), when a
query of a public page reads an
``editorial_`` table or one of the admin list reads the revisions (issue 7:
revisions never slow the reader's pages nor the list), or when the admin list
takes more than ``BUDGET_ADMIN_RATIO`` times the list as it was before the
editorial desk (``benchmarks.baseline_admin``), timed in the same run. So the
targets are checked here and never in a timed unit test.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_MS = 250  # median per page on one core of a small machine
BUDGET_QUERIES = 15
BUDGET_ADMIN_MS = 500  # median per admin list page
BUDGET_ADMIN_QUERIES = 20
BUDGET_ADMIN_RATIO = 1.5  # the admin list against the list before the desk
BUDGET_API_RATIO = 1.5  # the API article list against the HTML region listing
BUDGET_RSS_MB = 400
# A public page at the largest size against the smallest: at most this many
# times as long, give or take GROWTH_SLACK_MS of timer noise on pages that take
# a few milliseconds.
BUDGET_GROWTH = 1.5
GROWTH_SLACK_MS = 2.0
SIZES = (1_000, 100_000)
# Pages whose work grows with what they are asked, printed but not held to
# BUDGET_GROWTH.
GROWTH_EXEMPT = {
    "search, phrase": "a phrase or an exclusion reads the word positions of "
    "every article with the words",
}

# A table of the editorial app (revisions, drafts, comments, audit log...):
# Django quotes table names, so the name starts right after a quote or a word
# boundary.
EDITORIAL_TABLE = re.compile(r"\beditorial_\w+", re.IGNORECASE)
REVISION_TABLE = "editorial_revision"
ADMIN_USER = "bench-admin"
BASELINE_PREFIX = "/bench-baseline-admin/"


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="numbers of articles to time, smallest first (default: %(default)s)",
    )
    parser.add_argument(
        "--articles", type=int, help="time this one size (no growth check)"
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="run the sizes in turn this many times; the growth takes each "
        "page's best round (default: %(default)s)",
    )
    parser.add_argument("--results", help=argparse.SUPPRESS)  # a size's medians
    return parser.parse_args()


def database_url(articles):
    """The database for ``articles`` articles: a SQLite file each, or
    ``BENCH_DATABASE_URL`` (``<name>_<articles>`` for a size but 100,000)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path('/tmp') / f'imprint-bench-{articles}.sqlite3'}"
    if articles == SIZES[-1]:
        return url
    base, _, query = url.partition("?")
    return f"{base}_{articles}" + (f"?{query}" if query else "")


def create_database(url):
    """Create a PostgreSQL database that is not there yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(articles):
    database = database_url(articles)
    create_database(database)
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
    add_revisions()
    analyze()
    setup_test_environment()


def analyze():
    """Fresh planner statistics on PostgreSQL: rows made in bulk a moment ago
    would otherwise be planned for as the near-empty tables autovacuum last saw.
    (SQLite keeps none unless asked, and a site on SQLite does not ask.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def add_revisions():
    """Five revisions an article, made once (later runs find none missing) in a
    child process, so their memory is not the pages' peak."""
    from django.db import connections

    from benchmarks import revisions

    if not revisions.pending():
        return
    connections.close_all()  # the child writes; SQLite wants no open reader
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.revisions"],
        cwd=Path(__file__).resolve().parent.parent,
        env=os.environ,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"benchmarks.revisions failed ({done.returncode})")


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
    print(
        f"region listing: {region_pages} pages (the middle one is {deep}); "
        f"{last_sitemap} sitemap files of articles"
    )
    # The same names at every size, so the growth table can pair them.
    urls = {
        "home": "/",
        "article": article.get_absolute_url(),
        "region, page 1": region.get_absolute_url(),
        "region, middle page": f"{region.get_absolute_url()}?page={deep}",
        "region, last page": f"{region.get_absolute_url()}?page={region_pages}",
        "theme": theme.get_absolute_url(),
        "regions index": "/regions/",
        "themes index": "/themes/",
        "reports index": "/reports/",
        "authors index": "/authors/",
        "author": author.get_absolute_url(),
        "search": "/search/?q=water+policy",
        "search, common word": "/search/?q=policy",
        "search, phrase": '/search/?q="water+policy"+-energy',
        "search, page 12": "/search/?q=policy&page=12",
        "RSS feed": "/feeds/rss/",
        "Atom feed": "/feeds/atom/",
        "sitemap index": "/sitemap.xml",
        "sitemap, first articles file": "/sitemap-articles.xml",
        "sitemap, last articles file": f"/sitemap-articles.xml?p={last_sitemap}",
        "sitemap, listings": "/sitemap-listings.xml",
    }
    if tag:
        urls["tag"] = f"/tags/{tag.slug}/"
    urls["API article list"] = "/api/v1/articles/"
    urls["API article"] = f"/api/v1/articles/{article.slug}/"
    return client, urls


def admin_pages():
    """A superuser's client and the admin article list pages to time: the desk's
    list, and the same pages of the list before the desk for the ratio."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    user = User.objects.filter(username=ADMIN_USER).first()
    if user is None:
        user = User.objects.create_superuser(ADMIN_USER, "bench@example.org", None)
    client = Client()
    client.force_login(user)
    changelist = "/admin/articles/article/"
    response = client.get(changelist)
    if response.status_code != 200:
        raise SystemExit(f"{changelist} answered {response.status_code}")
    # Page 1,000 of 2,000 at 100,000 articles; the middle page of a smaller run.
    deep = min(1000, max(1, response.context["cl"].paginator.num_pages // 2))
    print(f"admin list: the deep page is {deep}")
    queries = {
        "page 1": "",
        "deep page": f"?p={deep}",
        "search": "?q=water",
    }
    urls = {
        f"admin list, {name}": changelist + query for name, query in queries.items()
    }
    for state in ("live", "live_draft", "scheduled"):
        urls[f"admin list, state={state}"] = f"{changelist}?state={state}"
    baseline = {
        f"admin list, {name}": f"{BASELINE_PREFIX}articles/article/{query}"
        for name, query in queries.items()
    }
    return client, urls, baseline


# name: median CPU time (ms) of this process for the page, set by measure().
CPU_MEDIANS = {}


def measure(client, urls, repeat):
    """Time each of ``urls`` (name: url) ``repeat`` times, the pages taking
    turns so that a slow spell of the machine falls on all of them alike.
    Returns name: (median ms, p95 ms, queries a request, every SQL run)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    timings = {name: [] for name in urls}
    cpu = {name: [] for name in urls}
    counts, sql = {}, {name: [] for name in urls}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)  # warm: caches, prepared boundaries
        sql[name] += [query["sql"] for query in queries.captured_queries]
    for _ in range(repeat):
        for name, url in urls.items():
            # The connection logs 9,000 queries at most; past that a capture
            # would see none.
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            counts[name] = len(queries)
            sql[name] += [query["sql"] for query in queries.captured_queries]
    results = {}
    for name, times in timings.items():
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        results[name] = (statistics.median(times), p95, counts[name], sql[name])
        CPU_MEDIANS[name] = statistics.median(cpu[name])
    return results


def editorial_tables(statements):
    return sorted(
        {match.lower() for sql in statements for match in EDITORIAL_TABLE.findall(sql)}
    )


def row(name, median, p95, queries, flag=""):
    print(f"{name:34} {median:10.1f} {p95:8.1f} {queries:8d}{flag}")


def main():
    args = parse_args()
    if args.articles:
        return run_size(args)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    return run_sizes(sizes, args.repeat, args.rounds)


def best(rounds):
    """Each page's lowest median over the rounds (a slow spell of a shared
    machine falls on one round, not on both)."""
    merged = {"in_process": rounds[0].get("in_process", False)}
    for kind in ("public", "cpu"):
        merged[kind] = {}
        for result in rounds:
            for name, value in result.get(kind, {}).items():
                merged[kind][name] = min(value, merged[kind].get(name, value))
    return merged


def run_sizes(sizes, repeat, rounds=1):
    """Each size in a process of its own, the sizes taking turns ``rounds``
    times, then the growth of each public page between the smallest and the
    largest."""
    import json
    import tempfile

    results, failed = {size: [] for size in sizes}, []
    for turn, size in [(turn, size) for turn in range(rounds) for size in sizes]:
        print(f"\n== {size:,} articles (round {turn + 1} of {rounds}) ==", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as output:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks",
                    "--articles",
                    str(size),
                    "--repeat",
                    str(repeat),
                    "--results",
                    output.name,
                ],
                cwd=Path(__file__).resolve().parent.parent,
                env=os.environ,
                check=False,
            )
            if done.returncode and f"{size:,} articles" not in failed:
                failed.append(f"{size:,} articles")
            results[size].append(json.loads(Path(output.name).read_text() or "{}"))
    if len(sizes) > 1:
        medians = {size: best(rounds_) for size, rounds_ in results.items()}
        failed += growth(medians, sizes[0], sizes[-1])
    print(
        "\nbudget: "
        + ("met" if not failed else f"missed by {', '.join(failed)}")
        + f" (sizes {', '.join(f'{size:,}' for size in sizes)})"
    )
    return 1 if failed else 0


def growth(medians, small, large):
    """Print each public page's median at both sizes and their ratio; return
    the pages over BUDGET_GROWTH.

    With the database in this process (SQLite) the ratio is of CPU time, the
    work a request costs, which other programs on a shared machine do not
    inflate; with a database server, of the time on the clock."""
    kind = "cpu" if medians[small].get("in_process") else "public"
    what = "CPU ms" if kind == "cpu" else "ms"
    print(
        f"\ngrowth, {large:,} against {small:,} articles, best of the rounds "
        f"(budget {BUDGET_GROWTH}× each public page, in {what}):"
    )
    print(f"{'page':34} {f'{small:,}':>10} {f'{large:,}':>10} {'ratio':>7}")
    over = []
    for name, before in medians[small].get(kind, {}).items():
        after = medians[large].get(kind, {}).get(name)
        if after is None:
            continue
        ratio = after / before if before else float("inf")
        flag = ""
        if name in GROWTH_EXEMPT:
            flag = f"  (not budgeted: {GROWTH_EXEMPT[name]})"
        elif after > before * BUDGET_GROWTH + GROWTH_SLACK_MS:
            over.append(f"{name} growth")
            flag = "  over budget"
        print(f"{name:34} {before:10.1f} {after:10.1f} {ratio:6.2f}×{flag}")
    return over


def run_size(args):
    setup_django(args.articles)
    from django.test.utils import override_settings

    from articles.models import Article
    from editorial.models import Draft, Revision

    client, urls = pages()
    print(
        f"{Article.objects.count():,} articles, {Revision.objects.count():,} "
        f"revisions, {Draft.objects.count():,} working drafts; "
        f"{args.repeat} requests a page; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    failures = []
    timed = {}
    for name, url in urls.items():
        median, p95, queries, sql = measure(client, {name: url}, args.repeat)[name]
        timed[name] = median
        flags = []
        if median > BUDGET_MS or queries > BUDGET_QUERIES:
            flags.append("over budget")
        read = editorial_tables(sql)
        if read:
            flags.append(f"reads {', '.join(read)}")
        if flags:
            failures.append(name)
        row(name, median, p95, queries, "".join(f"  {flag}" for flag in flags))

    api_ratio = timed["API article list"] / timed["region, page 1"]
    flag = ""
    if api_ratio > BUDGET_API_RATIO:
        failures.append("API list ratio")
        flag = "  over budget"
    print(f"API article list / HTML region listing page 1: {api_ratio:.2f}×{flag}\n")

    # The admin list, and the list before the desk under the same client and
    # URLconf for the ratio.
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        admin_client, admin_urls, baseline_urls = admin_pages()
        both = {**admin_urls, **{f"{n} (before)": u for n, u in baseline_urls.items()}}
        results = measure(admin_client, both, args.repeat)
    for name in admin_urls:
        median, p95, queries, sql = results[name]
        flags = []
        if median > BUDGET_ADMIN_MS or queries > BUDGET_ADMIN_QUERIES:
            flags.append("over budget")
        # The list may join the working draft (one row an article at most),
        # never the revision history.
        if REVISION_TABLE in editorial_tables(sql):
            flags.append(f"reads {REVISION_TABLE}")
        if flags:
            failures.append(name)
        row(name, median, p95, queries, "".join(f"  {flag}" for flag in flags))
    print("\nthe admin list before the editorial desk (benchmarks.baseline_admin):")
    ratios = []
    for name in baseline_urls:
        median, p95, queries, _sql = results[f"{name} (before)"]
        ratio = results[name][0] / median
        ratios.append(ratio)
        flag = ""
        if ratio > BUDGET_ADMIN_RATIO:
            failures.append(f"{name} ratio")
            flag = "  over budget"
        row(f"{name} (before)", median, p95, queries, f"  now {ratio:.2f}×{flag}")
    print(f"admin list now / before: at most {max(ratios):.2f}×")

    if args.results:
        import json

        from django.db import connection

        Path(args.results).write_text(
            json.dumps(
                {
                    "public": timed,
                    "cpu": {name: CPU_MEDIANS[name] for name in timed},
                    "in_process": connection.vendor == "sqlite",
                }
            )
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory: {rss_mb:.0f} MB (budget {BUDGET_RSS_MB} MB)")
    if rss_mb > BUDGET_RSS_MB:
        failures.append("memory")
    print(
        f"budget: median {BUDGET_MS} ms and {BUDGET_QUERIES} queries a public page, "
        "none reading an editorial_ table; "
        f"{BUDGET_ADMIN_MS} ms and {BUDGET_ADMIN_QUERIES} queries an admin list "
        f"page, within {BUDGET_ADMIN_RATIO}× of the list before the desk: "
        + ("met" if not failures else f"missed by {', '.join(failures)}")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
