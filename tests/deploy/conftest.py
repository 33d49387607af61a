"""Tests through the real servers of deploy/: Varnish (with vmod_xkey), nginx and
gunicorn, started by ``deploy.stack`` on free ports. Marked ``stack``; CI runs
them (``make test-stack``) and fails, never skips, when a program is missing."""

import os
from pathlib import Path

import pytest

from deploy.stack import missing_programs


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.stack)


def require(condition, reason):
    """Fail in CI, skip elsewhere, unless ``condition``."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def stack_programs():
    missing = missing_programs()
    require(
        not missing,
        f"missing Debian packages {' '.join(missing)}: `make stack-packages` "
        "installs them",
    )
