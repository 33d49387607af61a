"""`make bench-load`: requests per second through real servers, as readers
would see them, at 10,000 articles on two cores.

Builds (once; later runs reuse it) a publication of ``--articles`` articles in
PostgreSQL (``LOAD_DATABASE_URL``, created if missing) and starts this code's
gunicorn (2 sync workers) behind Varnish (``deploy.stack``). Beside it, on a
database of its own (the same name plus ``_today``), it starts the code as it
was before issue 10 (``--today``, the commit the saved baseline names, taken
with ``git archive``), so that "N× today's" is measured in the same run and not
against a number from another hour of a shared machine. wrk (Debian's, one
thread, ``--connections`` connections) drives each scenario for ``--seconds``,
the scenarios taking turns for ``--rounds`` rounds. Each scenario is paired
with what it is compared with, measured right next to it: the **ceiling** (a
view that does nothing, ``benchmarks.load_urls``, under the same server and
middleware, ``--ceiling-seconds`` just before) and today's code (just after);
a ratio is the median of the rounds' ratios, a req/s the median round.

Scenarios (*distinct*: every request a different address, so that no cache in
Django can answer it from an earlier request):

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

``--code COMMIT`` serves another commit (say, a branch not merged yet) in
place of this checkout, on a database of its own (the name plus ``_code``).

Then it reads the resident memory of each gunicorn worker. The results go to
``--output`` (text, and JSON beside it) and the targets of issue 10 are
checked: it exits 1 when one is missed. ``--save-baseline FILE`` records a run
of the code as it is as the baseline (FILE.txt and FILE.json).

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
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
WRK_SCRIPT = HERE / "wrk.lua"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/imprint_load"
SETTINGS = "benchmarks.load_settings"
HOT = 300  # articles in the hit, Varnish and 304 scenarios
SEARCH_WORD = "policy"
SINCE = "2000-01-01"  # before every demo article: the listing of them all
DEEP_PAGE = 400
PER_PAGE = 20  # articles.views.PER_PAGE

CEILING = "ceiling (bare view)"
MISS = "article, page-cache miss"
HIT = "article, page-cache hit"
VARNISH = "article through Varnish"
NOT_MODIFIED = "304 (If-None-Match)"
LISTING_FIRST = "listing, page 1"
LISTING_DEEP = f"listing, page {DEEP_PAGE}"
SEARCH = "search, distinct"
# Issue 10's targets: (scenario, compared with, at least, how it reads).
TARGETS = [
    (MISS, "today", 2.0, "at least 2× today's req/s"),
    (HIT, "ceiling", 0.8, "at least 0.8× the ceiling"),
    (VARNISH, "ceiling", 1.0, "faster than the ceiling"),
    (SEARCH, "today", 3.0, "at least 3× today's req/s"),
    (NOT_MODIFIED, "ceiling", 0.5, "at least 0.5× the ceiling"),
]
LISTING_WITHIN = 1.2
RSS_BUDGET_MB = 100


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--ceiling-seconds", type=int, default=2)
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
        "--today",
        metavar="COMMIT",
        help="today's code to run beside this one (default: the baseline's)",
    )
    parser.add_argument("--no-today", action="store_true")
    parser.add_argument(
        "--code",
        metavar="COMMIT",
        help="serve this commit (another branch's work) instead of the checkout",
    )
    parser.add_argument(
        "--save-baseline",
        type=Path,
        metavar="FILE",
        help="write this run as the baseline (FILE.json and FILE.txt)",
    )
    parser.add_argument("--no-varnish", action="store_true")
    return parser.parse_args()


# Databases and code ---------------------------------------------------------------


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


def today_database(url):
    base, _, query = url.partition("?")
    return base + "_today" + (f"?{query}" if query else "")


def server_env(args, database, prefix=""):
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": args.redis,
        "CACHE_URL": "",
    }
    if prefix:
        env["LOAD_KEY_PREFIX"] = prefix
    return env


def prepare(root, env, articles):
    """Migrate and fill the database of the code at ``root`` (in a child
    process: its own Django)."""
    commands = [
        ["migrate"],
        ["createcachetable"],
        ["collectstatic", "--noinput"],
        ["load_demo", "--no-images"],
        ["load_demo", "--articles", str(articles)],
    ]
    for command in commands:
        subprocess.run(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=root,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    analyze(env["DATABASE_URL"])


def analyze(url):
    """Fresh planner statistics: a server with autovacuum off (this machine's)
    would otherwise plan for tables as they were before the bulk load, and
    pick a bitmap scan of every public article for a lookup of four ids."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def snapshot(commit):
    """The code at ``commit`` in a new folder, with this benchmark's settings
    and URLs (the bare view) added."""
    folder = Path(tempfile.mkdtemp(prefix="imprint-today-"))
    archive = subprocess.run(
        ["git", "archive", commit], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    for name in ("load_settings.py", "load_urls.py"):
        shutil.copy(HERE / name, folder / "benchmarks" / name)
    return folder


def clear_caches(root, env):
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--command",
            "from django.conf import settings; from django.core.cache import caches; "
            "[caches[alias].clear() for alias in settings.CACHES]",
        ],
        cwd=root,
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def addresses(database):
    """Public article paths (shuffled, fixed seed), the region with most
    public articles, and how many pages its listing has; read with SQL, so
    that any version of the code can be served."""
    import psycopg

    public = "a.status = 'published' AND a.publish_at <= now()"
    with psycopg.connect(database) as connection:
        slugs = [
            slug
            for (slug,) in connection.execute(
                f"SELECT a.slug FROM articles_article a WHERE {public} ORDER BY a.id"
            )
        ]
        region, count = connection.execute(
            "SELECT r.slug, count(*) FROM regions_region r "
            "JOIN articles_article_regions ar ON ar.region_id = r.id "
            f"JOIN articles_article a ON a.id = ar.article_id WHERE {public} "
            "GROUP BY r.id, r.slug ORDER BY count(*) DESC, r.id LIMIT 1"
        ).fetchone()
    paths = [f"/articles/{slug}/" for slug in slugs]
    random.Random(10).shuffle(paths)
    return paths, f"/regions/{region}/", max(1, -(-count // PER_PAGE))


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
            raise SystemExit(f"{base}{path} answered {status}")
        etags[path] = headers.get("ETag", "")
    return etags


class Scenario:
    """One kind of request against one server; ``today`` is its twin on
    today's code, measured after it in each round."""

    def __init__(self, name, base, lines, mode="random"):
        self.name, self.base, self.lines, self.mode = name, base, lines, mode
        self.offset = 0
        self.runs = []
        self.ceilings = []  # the ceiling's req/s just before each run
        self.today = None

    def run(self, args, seconds=None):
        result = wrk(self.base, self.lines, args, self.mode, self.offset, seconds)
        if self.mode == "sequential":
            # Every path asked, answered or still in flight when time ran out.
            self.offset += result["issued"]
        return result

    @property
    def rps(self):
        return statistics.median(run["rps"] for run in self.runs)

    def ratio_to_ceiling(self):
        if not self.ceilings:
            return 1.0
        return statistics.median(
            run["rps"] / ceiling
            for run, ceiling in zip(self.runs, self.ceilings, strict=True)
        )

    def ratio_to_today(self):
        if self.today is None:
            return None
        return statistics.median(
            run["rps"] / twin["rps"]
            for run, twin in zip(self.runs, self.today.runs, strict=True)
        )

    def total(self, key):
        return sum(run[key] for run in self.runs)


def distinct(path, count=20_000):
    joiner = "&" if "?" in path else "?"
    return [f"{path}{joiner}v={n}" for n in range(count)]


def scenarios(web, paths, region, region_pages, varnish_url=None):
    """The scenarios against the server at ``web`` (and its Varnish)."""
    hot = paths[-HOT:]
    cold = paths[:-HOT]
    etags = warm(web, hot)
    if varnish_url:
        warm(varnish_url, hot)
    with_etags = [(path, etags[path]) for path in hot if etags[path]]
    if not with_etags:
        raise SystemExit(f"{web}: the article pages send no ETag")
    listing = f"/search/?since={SINCE}"
    search = f"/search/?q={SEARCH_WORD}"
    found = [
        Scenario(CEILING, web, ["/bench/bare/"]),
        Scenario(MISS, web, cold, mode="sequential"),
        Scenario(HIT, web, hot),
        Scenario(NOT_MODIFIED, web, with_etags),
        Scenario(LISTING_FIRST, web, distinct(listing), mode="sequential"),
        Scenario(
            LISTING_DEEP,
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
        Scenario(SEARCH, web, distinct(search), mode="sequential"),
        Scenario("search, one address", web, [search]),
    ]
    if varnish_url:
        found.append(Scenario(VARNISH, varnish_url, hot))
    return found


def check_pages(web, region, region_pages):
    """Every scenario's address answers 200 before anything is timed."""
    from deploy.stack import get

    for path in (
        "/bench/bare/",
        f"/search/?since={SINCE}&page={DEEP_PAGE}",
        f"{region}?page={region_pages}",
        f"/search/?q={SEARCH_WORD}",
    ):
        status, _headers, _body = get(web + path)
        if status != 200:
            raise SystemExit(f"{web}{path} answered {status}")


def measure(found, args):
    ceiling = found[0]
    print("warming up")
    for scenario in found:
        scenario.run(args, seconds=1)
        if scenario.today:
            scenario.today.run(args, seconds=1)
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number} of {args.rounds}", flush=True)
        for scenario in found:
            if scenario is not ceiling:
                before = ceiling.run(args, seconds=args.ceiling_seconds)
                scenario.ceilings.append(before["rps"])
            result = scenario.run(args)
            scenario.runs.append(result)
            line = f"  {scenario.name:40} {result['rps']:8.0f} req/s"
            if scenario.today:
                twin = scenario.today.run(args)
                scenario.today.runs.append(twin)
                line += f"   today {twin['rps']:8.0f}"
            print(line, flush=True)


# Report -------------------------------------------------------------------------


def git_describe(commit="HEAD"):
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", commit],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()[:100]


def setup_line(args):
    return (
        f"{args.articles:,} articles in PostgreSQL, gunicorn {args.workers} sync "
        f"workers, cache {'Redis' if args.redis else 'database'}; wrk 1 thread, "
        f"{args.connections} connections"
    )


def evaluate(by_name, saved):
    """[(target text, value text, met or None when it cannot be told)]"""
    rows = []
    for name, against, at_least, text in TARGETS:
        scenario = by_name.get(name)
        if scenario is None:
            rows.append((f"{name}: {text}", "not measured", None))
            continue
        if against == "ceiling":
            ratio = scenario.ratio_to_ceiling()
            met = ratio > at_least if at_least == 1.0 else ratio >= at_least
            rows.append((f"{name}: {text}", f"{ratio:.2f}× the ceiling", met))
            continue
        ratio = scenario.ratio_to_today()
        if ratio is not None:
            value = f"{ratio:.2f}× today's code in this run"
        elif saved and name in saved:
            ratio = scenario.rps / saved[name]
            value = f"{ratio:.2f}× the saved baseline"
        else:
            rows.append((f"{name}: {text}", "no baseline", None))
            continue
        rows.append((f"{name}: {text}", value, ratio >= at_least))
    # Per round (the two are measured one after the other), then the median.
    ratio = statistics.median(
        max(first["rps"], deep["rps"]) / min(first["rps"], deep["rps"])
        for first, deep in zip(
            by_name[LISTING_FIRST].runs, by_name[LISTING_DEEP].runs, strict=True
        )
    )
    rows.append(
        (
            f"{LISTING_FIRST} and page {DEEP_PAGE}: within {LISTING_WITHIN}× "
            "of each other",
            f"{ratio:.2f}×",
            ratio <= LISTING_WITHIN,
        )
    )
    return rows


def report(args, found, rss, rows, started, load_before, today, saved):
    lines = [
        f"Load benchmark (python -m benchmarks.load), {started:%Y-%m-%d %H:%M} UTC",
        f"code: {git_describe(args.code or 'HEAD')}",
        f"today's code beside it: {git_describe(today) if today else 'not run'}",
        f"{setup_line(args)}, {args.rounds} rounds of {args.seconds} s a scenario "
        f"(median round), each after {args.ceiling_seconds} s of the ceiling and "
        f"before the same on today's code; {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        "",
        f"{'scenario':40} {'req/s':>7} {'×ceiling':>8} {'today':>7} {'×today':>7} "
        f"{'saved':>7} {'p50 ms':>7} {'hits':>5}  rounds req/s",
    ]
    for scenario in found:
        twin = scenario.today
        today_rps = f"{twin.rps:7.0f}" if twin else f"{'-':>7}"
        ratio = scenario.ratio_to_today()
        today_ratio = f"{ratio:7.2f}" if ratio is not None else f"{'-':>7}"
        kept = f"{saved[scenario.name]:7.0f}" if scenario.name in saved else f"{'-':>7}"
        hits = scenario.total("varnish_hit" if scenario.name == VARNISH else "page_hit")
        answered = scenario.total("requests") or 1
        p50 = statistics.median(run["p50_ms"] for run in scenario.runs)
        rounds = "/".join(f"{run['rps']:.0f}" for run in scenario.runs)
        lines.append(
            f"{scenario.name:40} {scenario.rps:7.0f} "
            f"{scenario.ratio_to_ceiling():8.2f} {today_rps} {today_ratio} "
            f"{kept} {p50:7.1f} {hits / answered:5.0%}  {rounds}"
        )
        bad = scenario.total("other") + scenario.total("errors")
        if bad:
            lines.append(f"    {bad} responses were errors or not 200/304")
    lines += [
        "",
        "×ceiling: the median of each round's req/s over the ceiling's just before;",
        "×today: over today's code just after; saved: the baseline recorded before",
        "the work (benchmarks/results/baseline-before-issue10.txt); hits: answered",
        "by a cache (Django's page cache, or Varnish).",
        "",
        "gunicorn workers after the run: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss)
        + f" resident (budget {RSS_BUDGET_MB} MB)",
    ]
    if rows:
        lines.append("")
        lines.append("targets (issue 10):")
        for text, value, met in rows:
            mark = {True: "met", False: "MISSED", None: "-"}[met]
            lines.append(f"  {mark:6} {text}: {value}")
    lines.append("")
    lines.append("rerun: make bench-load  (or .venv/bin/python -m benchmarks.load)")
    return "\n".join(lines) + "\n"


def write(output, text, data):
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    output.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit(
            "wrk is missing: make bench-load installs it (apt-get install wrk)"
        )
    sys.path.insert(0, str(ROOT))
    from deploy import stack as deploy_stack

    missing = deploy_stack.missing_programs()
    if missing and not args.no_varnish:
        raise SystemExit(f"missing Debian packages: {' '.join(missing)}")
    use_varnish = not args.no_varnish
    recorded = {}
    if args.baseline.exists() and not args.save_baseline:
        recorded = json.loads(args.baseline.read_text())
        if recorded.get("setup", setup_line(args)) != setup_line(args):
            print(f"note: the baseline ran with {recorded['setup']}")
    saved = recorded.get("req_per_s", {})
    today = None
    if not (args.no_today or args.save_baseline):
        today = args.today or recorded.get("commit")

    code_root, code_database = ROOT, args.database
    if args.code:
        code_root = snapshot(args.code)
        code_database = args.database.partition("?")[0] + "_code"
    print(f"code: {git_describe(args.code or 'HEAD')}")
    ensure_database(code_database)
    started_setup = time.perf_counter()
    prepare(code_root, server_env(args, code_database), args.articles)
    print(
        f"database ready: {code_database} ({time.perf_counter() - started_setup:.0f} s)"
    )
    today_root = None
    if today:
        print(f"today's code: {git_describe(today)}")
        today_root = snapshot(today)
        ensure_database(today_database(args.database))
        prepare(
            today_root, server_env(args, today_database(args.database)), args.articles
        )
    clear_caches(code_root, server_env(args, code_database))
    paths, region, region_pages = addresses(code_database)

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    run_dirs = []

    def new_run_dir():
        run_dirs.append(Path(tempfile.mkdtemp(prefix="imprint-load-")))
        return run_dirs[-1]

    stack = deploy_stack.Stack(
        new_run_dir(),
        workers=args.workers,
        env=server_env(args, code_database),
        varnish=use_varnish,
        nginx=False,
        worker=False,
        root=code_root,
    )
    today_stack = None
    if today:
        today_stack = deploy_stack.Stack(
            new_run_dir(),
            workers=args.workers,
            env=server_env(args, today_database(args.database), prefix="today-"),
            varnish=False,
            nginx=False,
            worker=False,
            root=today_root,
        )
    try:
        stack.start()
        check_pages(stack.web_url, region, region_pages)
        print(f"warming {HOT} articles")
        found = scenarios(
            stack.web_url,
            paths,
            region,
            region_pages,
            stack.url if use_varnish else None,
        )
        if today_stack:
            today_stack.start()
            check_pages(today_stack.web_url, region, region_pages)
            twins = {
                s.name: s
                for s in scenarios(today_stack.web_url, paths, region, region_pages)
            }
            for scenario in found:
                if scenario.name not in (HIT, VARNISH):
                    scenario.today = twins[scenario.name]
        measure(found, args)
        rss = [deploy_stack.rss_mb(pid) for pid in stack.web_worker_pids()]
    finally:
        stack.stop()
        if today_stack:
            today_stack.stop()
        for folder in [*run_dirs, today_root, args.code and code_root]:
            if folder:
                shutil.rmtree(folder, ignore_errors=True)

    by_name = {scenario.name: scenario for scenario in found}
    rows = []
    if not args.save_baseline:
        rows = evaluate(by_name, saved)
        rows.append(
            (
                f"worker memory under {RSS_BUDGET_MB} MB after the run",
                f"{max(rss):.0f} MB",
                max(rss) < RSS_BUDGET_MB,
            )
        )
    text = report(args, found, rss, rows, started, load_before, today, saved)
    print()
    print(text)
    output = (
        args.save_baseline.with_suffix(".txt") if args.save_baseline else args.output
    )
    head = subprocess.run(
        ["git", "rev-parse", args.code or "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    write(
        output,
        text,
        {
            "when": started.isoformat(timespec="seconds"),
            "code": git_describe(args.code or "HEAD"),
            "commit": head,
            "setup": setup_line(args),
            "req_per_s": {s.name: s.rps for s in found}
            | {"worker RSS MB (max)": max(rss)},
            "ratio_to_ceiling": {s.name: s.ratio_to_ceiling() for s in found},
            "ratio_to_today": {
                s.name: s.ratio_to_today() for s in found if s.today is not None
            },
            "rounds": {s.name: [run["rps"] for run in s.runs] for s in found},
        },
    )
    print(f"written to {output} (and {output.with_suffix('.json').name})")
    return 1 if any(met is False for _, _, met in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
