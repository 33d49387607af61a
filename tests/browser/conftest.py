"""End-to-end tests in Debian's Chromium, driven by Playwright (never downloaded)."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server and the
# test's own database access are still plain synchronous Django.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make chromium` installs Debian's package.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture
def console_errors(page):
    """Errors the page logs to its console (CSP violations included)."""
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser(
        "editor", "editor@example.org", "a-long-editor-password"
    )
    return user


@pytest.fixture
def editor_page(page, live_server, editor):
    """A page logged in to the admin as an editor, through the login form."""
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-editor-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def axe_violations(page, ignore=()):
    """axe-core's violations on the page, without nodes matching ``ignore``
    (CSS selector fragments of markup that is not ours). axe-core ships inside
    axe-playwright-python, so this runs offline."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for violation in Axe().run(page).response["violations"]:
        nodes = [
            node
            for node in violation["nodes"]
            if not any(part in " ".join(map(str, node["target"])) for part in ignore)
        ]
        if nodes:
            found.append(
                {"id": violation["id"], "help": violation["help"], "nodes": nodes}
            )
    return found
