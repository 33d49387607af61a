"""`make bench-load`: requests per second through real servers, as readers
would see them.

Builds (once; later runs reuse it) a publication of ``--articles`` articles in
PostgreSQL (``LOAD_DATABASE_URL``, created if missing), starts gunicorn with 2
sync workers behind Varnish (``deploy.stack``), and drives both with wrk
(Debian's ``wrk``, one thread, ``--connections`` connections) for ``--seconds``
a scenario, the scenarios taking turns for ``--rounds`` rounds so that a slow
spell of the machine falls on all of them alike; each scenario's number is its
median round. Every number is compared with the **ceiling**: a view that does
nothing (``benchmarks.load_urls``), under the same server, middleware and
client.

Scenarios (each request a different address where it says *distinct*, so a
page cache in Django cannot answer it from an earlier request):

- article, page-cache miss: every public article once, in random order
- article, page-cache hit: ``HOT`` articles already asked for, at random
- article through Varnish: the same ``HOT`` articles, from Varnish's cache
- 304: the ``HOT`` articles asked again with their ETag (If-None-Match)
- listing page 1 and page 400: the list of every public article, newest first
  (``/search/?since=...``: at 10,000 articles the only listing with 400 pages;
  a region has about 90), *distinct*
- region listing page 1 and its last page, *distinct*
- search for a common word (``policy``, in two articles of three): *distinct*,
  and one address asked again and again

Then it reads the resident memory of each gunicorn worker. The results go to
``--output`` (text, and the same in JSON beside it) and the targets of issue 10
are checked against ``--baseline`` (the JSON a run before the work wrote): it
exits 1 when one is missed. ``--save-baseline`` writes the run as that baseline.

    .venv/bin/python -m benchmarks.load                       # the targets
    .venv/bin/python -m benchmarks.load --save-baseline FILE  # record today's

Redis: ``LOAD_REDIS_URL`` (a database of its own: the run empties it), else the
database cache.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/imprint_load"
HOT = 300  # articles in the hit, Varnish and 304 scenarios
SEARCH_WORD = "policy"
SINCE = "2000-01-01"  # before every demo article: the listing of them all
DEEP_PAGE = 400

# Issue 10's targets: (scenario, what it is compared with, at least, how it reads).
TARGETS = [
    ("article, page-cache miss", "baseline", 2.0, "at least 2× today's req/s"),
    ("article, page-cache hit", "ceiling", 0.8, "at least 0.8× the ceiling"),
    ("article through Varnish", "ceiling", 1.0, "faster than the ceiling"),
    ("search, distinct", "baseline", 3.0, "at least 3× today's req/s"),
    ("304 (If-None-Match)", "ceiling", 0.5, "at least 0.5× the ceiling"),
]
LISTING_PAIR = ("listing, page 1", f"listing, page {DEEP_PAGE}", 1.2)
RSS_BUDGET_MB = 100


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS_URL", ""))
    parser.add_argument("--output", type=Path, default=RESULTS / "load.txt")
    parser.add_argument(
        "--baseline", type=Path, default=RESULTS / "baseline-before-issue10.json"
    )
    parser.add_argument(
        "--save-baseline",
        type=Path,
        metavar="FILE",
        help="write this run as the baseline (FILE.json and FILE.txt)",
    )
    parser.add_argument("--no-varnish", action="store_true")
    return parser.parse_args()


# The database ---------------------------------------------------------------


def ensure_database(url):
    """Create the PostgreSQL database ``url`` names, if it is missing."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )


def setup_django(args):
    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    else:
        os.environ.pop("REDIS_URL", None)
        os.environ.pop("CACHE_URL", None)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_demo", "--no-images", verbosity=0)
    call_command("load_demo", "--articles", str(args.articles), verbosity=0)
    cache.clear()
    print(
        f"database ready: {args.database} ({time.perf_counter() - started:.0f} s); "
        f"cache: {args.redis or 'database'}"
    )


def addresses():
    """Public article paths (shuffled, fixed seed), the biggest region, and
    how many pages its listing has."""
    from django.db.models import Count, Q

    from articles.models import Article
    from articles.views import PER_PAGE
    from regions.models import Region

    slugs = list(
        Article.objects.published().order_by("pk").values_list("slug", flat=True)
    )
    paths = [f"/articles/{slug}/" for slug in slugs]
    random.Random(10).shuffle(paths)
    published = Q(articles__in=Article.objects.published())
    region = (
        Region.objects.annotate(public=Count("articles", filter=published))
        .order_by("-public", "pk")
        .first()
    )
    region_pages = max(1, -(-region.public // PER_PAGE))
    return paths, region.get_absolute_url(), region_pages


# Load -------------------------------------------------------------------------


def wrk(base, lines, args, mode="random", offset=0, seconds=None):
    """Run wrk against ``base`` over ``lines`` (paths, or (path, etag))."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
        for line in lines:
            file.write("\t".join(line) if isinstance(line, tuple) else line)
            file.write("\n")
    try:
        done = subprocess.run(
            [
                shutil.which("wrk"),
                "--threads",
                "1",
                "--connections",
                str(args.connections),
                "--duration",
                f"{seconds or args.seconds:d}s",
                "--timeout",
                "10s",
                "--script",
                str(WRK_SCRIPT),
                base,
                "--",
                file.name,
                mode,
                str(offset),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(file.name)
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    last = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    return json.loads(last)


def warm(base, paths):
    """Ask each path once; returns path: ETag."""
    from deploy.stack import get

    etags = {}
    for path in paths:
        status, headers, _body = get(base + path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        etags[path] = headers.get("ETag", "")
    return etags


class Scenario:
    def __init__(self, name, base, lines, mode="random"):
        self.name, self.base, self.lines, self.mode = name, base, lines, mode
        self.offset = 0
        self.runs = []

    def run(self, args, seconds=None):
        result = wrk(self.base, self.lines, args, self.mode, self.offset, seconds)
        if self.mode == "sequential":
            # Every path asked, answered or still in flight when time ran out.
            self.offset += result["issued"]
        return result

    @property
    def rps(self):
        return statistics.median(run["rps"] for run in self.runs)

    def total(self, key):
        return sum(run[key] for run in self.runs)


def scenarios(stack, paths, region, region_pages, use_varnish):
    web = stack.web_url
    hot = paths[-HOT:]
    cold = paths[:-HOT]
    print(f"warming {len(hot)} articles", end="", flush=True)
    etags = warm(web, hot)
    print(" and Varnish" if use_varnish else "", flush=True)
    if use_varnish:
        warm(stack.url, hot)
    with_etags = [(path, etags[path]) for path in hot if etags[path]]
    if not with_etags:
        raise SystemExit("the article pages send no ETag")

    def distinct(path, count=20_000):
        joiner = "&" if "?" in path else "?"
        return [f"{path}{joiner}v={n}" for n in range(count)]

    listing = f"/search/?since={SINCE}"
    search = f"/search/?q={SEARCH_WORD}"
    found = [
        Scenario("ceiling (bare view)", web, ["/bench/bare/"]),
        Scenario("article, page-cache miss", web, cold, mode="sequential"),
        Scenario("article, page-cache hit", web, hot),
        Scenario("304 (If-None-Match)", web, with_etags),
        Scenario(LISTING_PAIR[0], web, distinct(listing), mode="sequential"),
        Scenario(
            LISTING_PAIR[1],
            web,
            distinct(f"{listing}&page={DEEP_PAGE}"),
            mode="sequential",
        ),
        Scenario("region listing, page 1", web, distinct(region), mode="sequential"),
        Scenario(
            f"region listing, page {region_pages} (last)",
            web,
            distinct(f"{region}?page={region_pages}"),
            mode="sequential",
        ),
        Scenario("search, distinct", web, distinct(search), mode="sequential"),
        Scenario("search, one address", web, [search]),
    ]
    if use_varnish:
        found.append(Scenario("article through Varnish", stack.url, hot))
    return found


def check_pages(stack, region, region_pages):
    """Every scenario's address answers 200 before anything is timed."""
    from deploy.stack import get

    for path in (
        "/bench/bare/",
        f"/search/?since={SINCE}&page={DEEP_PAGE}",
        f"{region}?page={region_pages}",
        f"/search/?q={SEARCH_WORD}",
    ):
        status, _headers, _body = get(stack.web_url + path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")


# Report -------------------------------------------------------------------------


def git_describe():
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()[:100]


def evaluate(results, baseline):
    """[(target text, value text, met or None when it cannot be told)]"""
    ceiling = results["ceiling (bare view)"]
    rows = []
    for name, against, at_least, text in TARGETS:
        if name not in results:
            rows.append((f"{name}: {text}", "not measured", None))
            continue
        if against == "ceiling":
            ratio = results[name] / ceiling
            met = ratio > at_least if at_least == 1.0 else ratio >= at_least
            rows.append((f"{name}: {text}", f"{ratio:.2f}× the ceiling", met))
        elif baseline and name in baseline:
            ratio = results[name] / baseline[name]
            rows.append((f"{name}: {text}", f"{ratio:.2f}× today's", ratio >= at_least))
        else:
            rows.append((f"{name}: {text}", "no baseline", None))
    first, deep, within = LISTING_PAIR
    ratio = max(results[first], results[deep]) / min(results[first], results[deep])
    rows.append(
        (
            f"{first} and {deep.split(', ')[1]}: within {within}× of each other",
            f"{ratio:.2f}×",
            ratio <= within,
        )
    )
    return rows


def setup_line(args):
    return (
        f"{args.articles:,} articles in PostgreSQL, gunicorn {args.workers} sync "
        f"workers, cache {'Redis' if args.redis else 'database'}; wrk 1 thread, "
        f"{args.connections} connections"
    )


def report(args, found, rss, rows, started, load_before):
    lines = [
        f"Load benchmark (python -m benchmarks.load), {started:%Y-%m-%d %H:%M} UTC",
        f"code: {git_describe()}",
        f"{setup_line(args)}, {args.rounds} rounds of {args.seconds} s "
        f"a scenario (median round); {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        "",
        f"{'scenario':40} {'req/s':>8} {'× ceiling':>9} {'p50 ms':>7} "
        f"{'rounds req/s':>22} {'page hits':>9}",
    ]
    ceiling = next(s for s in found if s.name.startswith("ceiling")).rps
    for scenario in found:
        rounds = "/".join(f"{run['rps']:.0f}" for run in scenario.runs)
        hits = scenario.total("page_hit") + scenario.total("varnish_hit")
        answered = scenario.total("requests") or 1
        p50 = statistics.median(run["p50_ms"] for run in scenario.runs)
        lines.append(
            f"{scenario.name:40} {scenario.rps:8.0f} {scenario.rps / ceiling:9.2f} "
            f"{p50:7.1f} {rounds:>22} {hits / answered:9.0%}"
        )
        bad = scenario.total("other") + scenario.total("errors")
        if bad:
            lines.append(f"    {bad} responses were errors or not 200/304")
    lines.append("")
    lines.append(
        "gunicorn workers after the run: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss)
        + f" resident (budget {RSS_BUDGET_MB} MB)"
    )
    if rows:
        lines.append("")
        lines.append("targets (issue 10):")
        for text, value, met in rows:
            mark = {True: "met", False: "MISSED", None: "-"}[met]
            lines.append(f"  {mark:6} {text}: {value}")
    lines.append("")
    lines.append("rerun: make bench-load  (or .venv/bin/python -m benchmarks.load)")
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit(
            "wrk is missing: make bench-load installs it (apt-get install wrk)"
        )
    sys.path.insert(0, str(ROOT))
    from deploy import stack as deploy_stack

    missing = deploy_stack.missing_programs()
    use_varnish = not args.no_varnish and not missing
    if missing and not args.no_varnish:
        raise SystemExit(f"missing Debian packages: {' '.join(missing)}")
    ensure_database(args.database)
    setup_django(args)
    paths, region, region_pages = addresses()
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "DATABASE_URL": args.database,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    if args.redis:
        env["REDIS_URL"] = args.redis
    run_dir = Path(tempfile.mkdtemp(prefix="imprint-load-"))
    stack = deploy_stack.Stack(
        run_dir,
        workers=args.workers,
        env=env,
        varnish=use_varnish,
        nginx=False,
        worker=False,
    )
    with stack:
        check_pages(stack, region, region_pages)
        found = scenarios(stack, paths, region, region_pages, use_varnish)
        print("warming up")
        for scenario in found:
            scenario.run(args, seconds=1)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number} of {args.rounds}", flush=True)
            for scenario in found:
                result = scenario.run(args)
                scenario.runs.append(result)
                print(f"  {scenario.name:40} {result['rps']:8.0f} req/s", flush=True)
        rss = [deploy_stack.rss_mb(pid) for pid in stack.web_worker_pids()]
    shutil.rmtree(run_dir, ignore_errors=True)

    results = {scenario.name: scenario.rps for scenario in found}
    results["worker RSS MB (max)"] = max(rss)
    baseline = None
    if args.save_baseline is None and args.baseline.exists():
        recorded = json.loads(args.baseline.read_text())
        baseline = recorded["req_per_s"]
        if recorded.get("setup", setup_line(args)) != setup_line(args):
            print(f"note: the baseline ran with {recorded['setup']}")
    rows = [] if args.save_baseline else evaluate(results, baseline)
    if not args.save_baseline:
        rows.append(
            (
                f"worker memory under {RSS_BUDGET_MB} MB after the run",
                f"{max(rss):.0f} MB",
                max(rss) < RSS_BUDGET_MB,
            )
        )
    text = report(args, found, rss, rows, started, load_before)
    print()
    print(text)
    output = (
        args.save_baseline.with_suffix(".txt") if args.save_baseline else args.output
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    output.with_suffix(".json").write_text(
        json.dumps(
            {
                "when": started.isoformat(timespec="seconds"),
                "code": git_describe(),
                "setup": setup_line(args),
                "req_per_s": results,
                "rounds": {s.name: [run["rps"] for run in s.runs] for s in found},
            },
            indent=1,
        )
        + "\n"
    )
    print(f"written to {output} (and {output.with_suffix('.json').name})")
    return 1 if any(met is False for _, _, met in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
