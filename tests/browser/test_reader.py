"""The reader's pages in Chromium at phone and desktop widths: no console errors,
no axe violations, a working skip link."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from articles.models import Article, Authorship, InDepthReport, ReportArticle
from authors.models import Author
from regions.models import Region
from tests.browser.conftest import axe_violations
from themes.models import Theme

pytestmark = pytest.mark.browser

WIDTHS = [375, 1280]


def jpeg(size=(1200, 675)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 140)).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name="picture.jpg")


@pytest.fixture
def site(transactional_db):
    author = Author.objects.create(
        name="Amira Haddad",
        slug="amira-haddad",
        bio="Amira writes about water.",
        affiliation="Institute of Rivers",
        website="https://example.org/amira",
        photo=jpeg((400, 400)),
    )
    region = Region.objects.create(name="Asia", slug="asia", description="East.")
    theme = Theme.objects.create(name="Water", slug="water", description="Rivers.")
    articles = []
    for number in range(3):
        article = Article(
            title=f"Rivers under pressure {number}",
            slug=f"rivers-{number}",
            standfirst="How basins share water.",
            body="<h2>A heading</h2><p>Plain words and <a href='https://example.org'>"
            "a link</a>.</p><blockquote><p>A quote.</p></blockquote>",
            status=Article.Status.PUBLISHED,
            original_outlet="The Monitor",
            original_url="https://monitor.example/rivers",
        )
        if number == 0:
            article.featured_image = jpeg()
            article.image_alt = "A river delta seen from above"
            article.image_caption = "The delta in May."
            article.image_credit = "Photo: Jo Lee"
        article.save()
        Authorship.objects.create(article=article, author=author)
        article.regions.add(region)
        article.themes.add(theme)
        article.tags.add("drought")
        articles.append(article)
    report = InDepthReport.objects.create(
        title="Water wars", slug="water-wars", introduction="<p>A dossier.</p>"
    )
    for position, article in enumerate(articles):
        ReportArticle.objects.create(report=report, article=article, position=position)
    return {
        "home": "/",
        "article": articles[0].get_absolute_url(),
        "article without image": articles[1].get_absolute_url(),
        "region": region.get_absolute_url(),
        "theme": theme.get_absolute_url(),
        "report": report.get_absolute_url(),
        "author": author.get_absolute_url(),
        "tag": "/tags/drought/",
        "regions": "/regions/",
        "themes": "/themes/",
        "reports": "/reports/",
        "authors": "/authors/",
        "search": "/search/?q=rivers",
        "empty search": "/search/",
        "404": "/articles/nothing-here/",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_is_clean_and_accessible(
    page, live_server, site, console_errors, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    failures = {}
    for name, path in site.items():
        response = page.goto(f"{live_server.url}{path}")
        expected = 404 if name == "404" else 200
        assert response.status == expected, name
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        if violations:
            failures[name] = violations
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        # No horizontal scrolling on a phone.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, (name, overflow)
    # The 404 page is logged by Chromium as a failed resource load; nothing else.
    errors = [e for e in console_errors if "404" not in e]
    assert errors == []
    assert failures == {}


def test_skip_link_is_first_and_visible_on_focus(page, live_server, site):
    page.goto(f"{live_server.url}{site['article']}")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_article_image_is_responsive(page, live_server, site):
    page.goto(f"{live_server.url}{site['article']}")
    image = page.locator("figure.featured img")
    assert image.get_attribute("alt") == "A river delta seen from above"
    assert (
        page.locator("figure.featured figcaption")
        .inner_text()
        .startswith("The delta in May.")
    )
