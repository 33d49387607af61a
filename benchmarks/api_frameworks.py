"""`make bench-api-frameworks`: the read API's article list and article detail
in django-ninja (what ``/api/v1/`` runs) against the same two endpoints written
with Django REST framework and drf-spectacular, over the same data, timed
in-process. The numbers behind the choice of API library.

    make bench-api-frameworks
    .venv-compare/bin/python -m benchmarks.api_frameworks [--articles 10000]
        [--repeat 200] [--schema-repeat 30] [--import-repeat 7]

DRF is not a dependency of Imprint: the make target installs it, with
drf-spectacular, in a virtualenv of its own (``.venv-compare``, the ``compare``
extra of pyproject.toml). The DRF endpoints live in the bench URLconf
(``benchmarks.api_frameworks_urls``): the same querysets and prefetches as
``api.views``, the same cursors, conditional GET and cache headers, mounted
under ``/api/`` so ``api.middleware`` runs for both.

It builds (once; later runs reuse it) a publication of ``--articles`` articles
as ``python -m benchmarks`` does, in its own SQLite file (or in the database
``BENCH_DATABASE_URL`` names). Then, through Django's test client:

- it checks that DRF answers exactly the JSON ninja answers, for list pages
  (first, second through the cursor, filtered, searched, 100 a page) and for
  the detail of every article on them, some given an image and corrections
  for the while (rolled back);
- it times the list (a page of 20) and the detail, the two frameworks taking
  turns, ``--repeat`` times each: median, 95th percentile, queries a request;
- it times the OpenAPI schema, made afresh at each request by both: ninja's
  ``/api/v1/schema/`` (every operation of the API) and the same two operations
  alone on a second NinjaAPI, against drf-spectacular's view of the two DRF
  operations; both schemas are checked with openapi-spec-validator;
- in fresh interpreters (a bare Django, no project), the time and resident
  memory that importing each library adds.

The per-client rate limit is off for the run (``API_RATE_PER_MINUTE=0``), for
both. Exits 1 when an answer or the number of queries differs.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

NINJA = "/api/v1/"
DRF = "/api/drf/"
NINJA_ALONE = "/api/ninja-articles/"
URLCONF = "benchmarks.api_frameworks_urls"
# What drf-spectacular's installation asks; set before the URLconf is imported.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

# What each framework needs imported to serve and describe these endpoints.
LIBRARIES = {
    "django-ninja": ["ninja"],
    "DRF": [
        "rest_framework.views",
        "rest_framework.serializers",
        "rest_framework.response",
        "rest_framework.renderers",
    ],
    "DRF + drf-spectacular": [
        "rest_framework.views",
        "rest_framework.serializers",
        "rest_framework.response",
        "rest_framework.renderers",
        "drf_spectacular.views",
        "drf_spectacular.openapi",
        "drf_spectacular.utils",
    ],
}

# Run in a fresh interpreter: a bare Django, then the modules named in argv.
IMPORT_PROBE = """
import json, os, sys, time
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True,
)
django.setup()


def rss_kb():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


before = rss_kb()
started = time.perf_counter()
for name in sys.argv[1:]:
    __import__(name)
print(json.dumps({"ms": (time.perf_counter() - started) * 1000,
                  "rss_kb": rss_kb() - before}))
"""


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_frameworks")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--schema-repeat", type=int, default=30)
    parser.add_argument("--import-repeat", type=int, default=7)
    return parser.parse_args()


def versions():
    from importlib.metadata import version

    names = ["Django", "django-ninja", "pydantic", "djangorestframework"]
    names.append("drf-spectacular")
    found = {name: version(name) for name in names}
    found["Python"] = sys.version.split()[0]
    return found


def import_costs(repeat):
    """name: (median ms, median kB of RSS) that importing the library adds."""
    costs = {}
    for name, modules in LIBRARIES.items():
        runs = []
        for _ in range(repeat):
            done = subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE, *modules],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout))
        costs[name] = (
            statistics.median(run["ms"] for run in runs),
            statistics.median(run["rss_kb"] for run in runs),
        )
    return costs


# The same answers ------------------------------------------------------------


def comparable(response):
    """The JSON of a response, with ``next`` reduced to what it means: the
    other query parameters and the cursor's value. Its path differs between
    the two mounts, and a cursor is signed with the second it was made."""
    from django.core import signing

    from api.views import CURSOR_SALT

    if response.status_code != 200:
        raise SystemExit(
            f"{response.request['PATH_INFO']} answered {response.status_code}"
        )
    data = json.loads(response.content)
    if data.get("next"):
        query = dict(parse_qsl(urlsplit(data["next"]).query))
        cursor = signing.loads(query.pop("cursor"), salt=CURSOR_SALT)
        data["next"] = {"query": query, "cursor": cursor}
    return data


def same_answer(client, path):
    ninja = comparable(client.get(f"{NINJA}{path}"))
    drf = comparable(client.get(f"{DRF}{path}"))
    if ninja != drf:
        keys = sorted(
            key for key in ninja.keys() | drf.keys() if ninja.get(key) != drf.get(key)
        )
        raise SystemExit(
            f"{path}: DRF's JSON differs from ninja's at {', '.join(keys)}"
        )
    return ninja


def check_same_answers(client):
    """Exit unless DRF and ninja answer the same JSON; the number of answers
    compared. The seeded publication has no images nor corrections: for the
    comparison, some articles get them in a transaction rolled back after."""
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Correction
    from regions.models import Region

    region = Region.objects.order_by("pk").first()
    first = client.get(f"{NINJA}articles/")
    cursor = dict(parse_qsl(urlsplit(json.loads(first.content)["next"]).query))
    queries = [
        "",
        f"?cursor={cursor['cursor']}",
        "?limit=100",
        f"?region={region.slug}",
        "?q=water+policy",
        "?q=water&limit=5",
        "?published_after=2020-01-01&limit=50",
    ]
    compared = 0
    with transaction.atomic():
        published = Article.objects.published()
        newest = list(published.newest_first().values_list("pk", flat=True)[:30])
        illustrated = newest[::3]
        Article.objects.filter(pk__in=illustrated).update(
            featured_image="articles/bench.jpg",
            featured_image_renditions=[
                {
                    "name": "articles/bench-640.webp",
                    "width": 640,
                    "height": 427,
                    "format": "webp",
                },
                {
                    "name": "articles/bench.jpg",
                    "width": 1600,
                    "height": 1067,
                    "format": "jpeg",
                    "original": True,
                },
            ],
            image_alt="A river at dusk",
            image_caption="The Danube",
            image_credit="Bench",
        )
        Correction.objects.bulk_create(
            Correction(
                article_id=pk,
                kind=kind,
                note=f"A note on {pk}.",
                published_at=timezone.now(),
                revision_number=1,
            )
            for pk in newest[1::4]
            for kind in ("correction", "update")
        )
        slugs = set()
        for query in queries:
            page = same_answer(client, f"articles/{query}")
            slugs.update(article["slug"] for article in page["results"])
        slugs.update(
            published.exclude(original_outlet="").values_list("slug", flat=True)[:20]
        )
        for slug in sorted(slugs):
            same_answer(client, f"articles/{slug}/")
        compared = len(queries) + len(slugs)
        transaction.set_rollback(True)
    return compared


# Timing ----------------------------------------------------------------------


def time_first(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def check_schemas(client):
    """Both two-operation schemas are valid OpenAPI and name both operations;
    the number of operations in each schema timed."""
    from openapi_spec_validator import validate

    counts = {}
    for name, url in {
        "ninja": f"{NINJA}schema/",
        "ninja alone": f"{NINJA_ALONE}schema/",
        "drf": f"{DRF}schema/",
    }.items():
        schema = json.loads(client.get(url).content)
        validate(schema)
        counts[name] = sum(len(item) for item in schema["paths"].values())
    if not counts["ninja alone"] == counts["drf"] == 2:
        raise SystemExit(f"the schemas do not describe the two operations: {counts}")
    return counts


def ratio(drf, ninja):
    return f"{drf / ninja:5.2f}×" if ninja else "    -"


def main():
    args = parse_args()
    missing = [
        name
        for name in ("rest_framework", "drf_spectacular")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise SystemExit(
            f"{', '.join(missing)} not installed: run `make bench-api-frameworks` "
            "(a virtualenv of its own, .venv-compare, with the compare extra)."
        )
    os.environ["API_RATE_PER_MINUTE"] = "0"
    database = Path("/tmp") / f"imprint-bench-api-frameworks-{args.articles}.sqlite3"
    os.environ.setdefault("BENCH_DATABASE_URL", f"sqlite:///{database}")
    from benchmarks.__main__ import measure, setup_django

    setup_django(args.articles)
    from django.test import Client
    from django.test.utils import override_settings

    from articles.models import Article

    with override_settings(ROOT_URLCONF=URLCONF, REST_FRAMEWORK=REST_FRAMEWORK):
        client = Client()
        compared = check_same_answers(client)
        article = Article.objects.published().newest_first().first()
        endpoints = {
            "article list (20)": "articles/",
            "article detail": f"articles/{article.slug}/",
        }
        urls = {}
        for name, path in endpoints.items():
            urls[f"{name}, ninja"] = f"{NINJA}{path}"
            urls[f"{name}, DRF"] = f"{DRF}{path}"
        schemas = {
            "schema, all operations, ninja": f"{NINJA}schema/",
            "schema, 2 operations, ninja": f"{NINJA_ALONE}schema/",
            "schema, 2 operations, DRF": f"{DRF}schema/",
        }
        first = {name: time_first(client, url) for name, url in schemas.items()}
        operations = check_schemas(client)
        timed = measure(client, urls, args.repeat)
        timed.update(measure(client, schemas, args.schema_repeat))
    costs = import_costs(args.import_repeat)

    print(
        f"{Article.objects.count():,} articles; {compared} answers compared, DRF's "
        "JSON equal to ninja's; "
        + ", ".join(f"{name} {number}" for name, number in versions().items())
    )
    print(
        f"{args.repeat} requests an endpoint ({args.schema_repeat} a schema), "
        f"taking turns; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        f"{'request':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
        f"{'DRF/ninja':>10}"
    )
    for name in endpoints:
        ninja = timed[f"{name}, ninja"]
        for framework in ("ninja", "DRF"):
            median, p95, queries, _sql = timed[f"{name}, {framework}"]
            versus = ratio(median, ninja[0]) if framework == "DRF" else ""
            print(
                f"{name + ', ' + framework:34} {median:10.2f} {p95:8.2f} "
                f"{queries:8d} {versus:>10}"
            )
    print(
        f"\n{'OpenAPI schema':34} {'median ms':>10} {'p95 ms':>8} {'first ms':>8} "
        f"{'ops':>4}"
    )
    count = {
        "schema, all operations, ninja": operations["ninja"],
        "schema, 2 operations, ninja": 2,
        "schema, 2 operations, DRF": 2,
    }
    for name in schemas:
        median, p95, _queries, _sql = timed[name]
        label = name.removeprefix("schema, ")
        print(
            f"{label:34} {median:10.2f} {p95:8.2f} {first[name]:8.1f} {count[name]:4d}"
        )
    print(
        f"\n{'import (bare Django, fresh process)':34} {'median ms':>10} {'RSS MB':>8}"
    )
    for name, (ms, rss_kb) in costs.items():
        print(f"{name:34} {ms:10.1f} {rss_kb / 1024:8.1f}")
    differing = [
        name
        for name in endpoints
        if timed[f"{name}, ninja"][2] != timed[f"{name}, DRF"][2]
    ]
    if differing:
        print(f"\nnot the same queries for {', '.join(differing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
