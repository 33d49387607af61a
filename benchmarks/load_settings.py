"""Settings for the load benchmark (``benchmarks.load``): the site's own, with
a bare view added (``benchmarks.load_urls``) to measure the framework's ceiling
under the same server and middleware."""

from publication.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load_urls"
