"""`make bench-import`: import a generated WordPress export of 20,000 posts
(without images) into an empty SQLite database, then run it again.

Issue 9 asks for "20,000 posts without images in a few minutes on this
machine, in bounded memory". Each size runs in its own process (so the peak
resident memory is that import's own) over its own new database: 2,000 posts
first, then ``--posts``. The budgets: the large import within
``BUDGET_SECONDS``, its peak memory at most ``BUDGET_RSS_GROWTH_MB`` above
the small one's (memory that grew with the archive would show there), and the
second run of the same export (nothing to change) faster than the first.
Exits 1 over budget.

    python -m benchmarks.wordpress [--posts 20000] [--small-only]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 300
BUDGET_RSS_GROWTH_MB = 40
SMALL = 2_000
ROOT = Path(__file__).resolve().parent.parent


def one_import(posts):
    """In a child: import ``posts`` posts twice; print the numbers as JSON."""
    export_path = Path("/tmp") / f"imprint-wordpress-{posts}.xml"
    database = Path("/tmp") / f"imprint-bench-import-{posts}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from imports.mapping import Mapping
    from imports.sample import write_archive
    from imports.services import Importer

    mapping = write_archive(export_path, posts)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    user = get_user_model().objects.create_superuser(
        "bench-import", "bench@example.org", "bench-import-password"
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    numbers = {"posts": posts, "export_mb": export_path.stat().st_size / 2**20}
    for run in ("first", "second"):
        started, cpu = time.perf_counter(), time.process_time()
        report = Importer(user=user, mapping=Mapping.parse(mapping)).run(export_path)
        numbers[f"{run}_seconds"] = time.perf_counter() - started
        numbers[f"{run}_cpu_seconds"] = time.process_time() - cpu
        numbers[f"{run}_report"] = report.summary()
        if report.error or report.problems:
            numbers["error"] = report.error or report.problems[0].message
    numbers["rss_before_mb"] = rss_before
    numbers["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(numbers))


def measure(posts):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.wordpress", "--child", str(posts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the import of {posts} posts failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(result):
    # CPU time too: on a busy machine the wall time says more about the others.
    print(
        f"{result['posts']:>7,} posts ({result['export_mb']:.0f} MB export): "
        f"first run {result['first_seconds']:.0f} s "
        f"({result['first_cpu_seconds']:.0f} s CPU, "
        f"{result['posts'] / result['first_seconds']:.0f} posts/s), "
        f"second run {result['second_seconds']:.0f} s, "
        f"peak memory {result['peak_rss_mb']:.0f} MB"
    )
    print(f"        {result['first_report']} | {result['second_report']}")


def main():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wordpress")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument(
        "--small-only",
        action="store_true",
        help=f"import only the {SMALL:,} posts (a quick measure; no budget)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_import(args.child)
        return
    small = measure(SMALL)
    if args.small_only:
        show(small)
        return
    large = measure(args.posts)
    failures = []
    for result in (small, large):
        show(result)
        if "error" in result:
            failures.append(f"{result['posts']} posts: {result['error']}")
    growth = large["peak_rss_mb"] - small["peak_rss_mb"]
    print(f"memory growth from {SMALL:,} to {args.posts:,} posts: {growth:.0f} MB")
    if large["first_seconds"] > BUDGET_SECONDS:
        failures.append(f"the import took {large['first_seconds']:.0f} s")
    if growth > BUDGET_RSS_GROWTH_MB:
        failures.append(f"memory grew by {growth:.0f} MB")
    if large["second_seconds"] >= large["first_seconds"]:
        failures.append("the second run was not faster than the first")
    if failures:
        print("OVER BUDGET: " + "; ".join(failures))
        raise SystemExit(1)
    print("within budget")


if __name__ == "__main__":
    main()
