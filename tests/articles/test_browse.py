"""The browse pages: indexes of regions, themes, reports and authors, each with
its number of public articles, and the header links to them."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INDEXES = ["regions", "themes", "reports", "authors"]


def entry(response, name):
    """The text of the index entry whose link reads ``name``."""
    html = response.text.split('<main id="main"')[1]
    for item in re.findall(r'<li class="subject[^"]*">(.*?)</li>', html, re.S):
        if f">{name}</a>" in item:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
    return None


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report):
    ann = make_author("Ann Lee", affiliation="Institute of Rivers")
    bo = make_author("Bo Chen")
    ghost = make_author("Gus Ghost")  # only a draft and a scheduled article
    asia = make_region("Asia", description="Everything east of the Urals.")
    empty = make_region("Antarctica", description="Ice.")
    water = make_theme("Water", description="Rivers, rain and drought.")
    first = make_article(authors=[ann, bo], regions=[asia], themes=[water])
    second = make_article(authors=[ann], regions=[asia], themes=[water])
    draft = make_article(
        state="draft", authors=[ann, ghost], regions=[asia, empty], themes=[water]
    )
    scheduled = make_article(
        state="scheduled", authors=[ghost], regions=[asia, empty], themes=[water]
    )
    unpublished = make_article(state="unpublished", authors=[bo], regions=[asia])
    report = make_report(
        "Water wars", articles=[first, second, draft], introduction="<p>A dossier.</p>"
    )
    hidden_report = make_report("Secret plans", articles=[draft, scheduled])
    return locals()


def test_regions_index_lists_every_region_with_public_counts(client, world):
    response = client.get(reverse("articles:regions"))
    assert response.status_code == 200
    assert "<h1>Regions</h1>" in response.text
    assert entry(response, "Asia") == ("Asia Everything east of the Urals. 2 articles")
    # A region without public articles is still listed, with its count.
    assert entry(response, "Antarctica") == "Antarctica Ice. 0 articles"
    assert f'href="{world["asia"].get_absolute_url()}"' in response.text


def test_themes_index_lists_themes_with_public_counts(client, world):
    response = client.get(reverse("articles:themes"))
    assert response.status_code == 200
    assert "<h1>Themes</h1>" in response.text
    assert entry(response, "Water") == "Water Rivers, rain and drought. 2 articles"


def test_reports_index_hides_reports_with_only_hidden_articles(client, world):
    response = client.get(reverse("articles:reports"))
    assert response.status_code == 200
    assert entry(response, "Water wars") == "Water wars A dossier. 2 articles"
    assert "Secret plans" not in response.text


def test_authors_index_shows_affiliation_and_hides_authors_of_hidden_work(
    client, world
):
    response = client.get(reverse("articles:authors"))
    assert response.status_code == 200
    assert entry(response, "Ann Lee") == "Ann Lee Institute of Rivers 2 articles"
    # The unpublished article no longer counts.
    assert entry(response, "Bo Chen") == "Bo Chen 1 article"
    assert "Gus Ghost" not in response.text
    text = response.text
    assert text.index("Ann Lee") < text.index("Bo Chen")


def test_authors_index_shows_a_photo_when_there_is_one(client, make_author, world):
    from django.core.files.base import ContentFile

    from tests.browser.test_reader import jpeg

    ann = world["ann"]
    ann.photo = ContentFile(jpeg((400, 400)).read(), name="ann.jpg")
    ann.save()
    response = client.get(reverse("articles:authors"))
    item = response.text.split(">Ann Lee</a>")[0].rsplit('<li class="subject', 1)[1]
    assert '<div class="subject-photo">' in item
    assert 'alt=""' in item
    assert "subject-photo" not in response.text.split(">Ann Lee</a>")[1]


def test_authors_index_is_paginated_by_fifty(client, make_author, make_article):
    authors = [make_author(f"Writer {number:03}") for number in range(51)]
    make_article(authors=authors)
    first = client.get(reverse("articles:authors"))
    assert "Writer 049" in first.text
    assert "Writer 050" not in first.text
    assert 'rel="next" href="?page=2"' in first.text
    second = client.get(reverse("articles:authors"), {"page": 2})
    assert second.status_code == 200
    assert "Writer 050" in second.text
    assert "Writer 049" not in second.text
    assert 'rel="prev"' in second.text
    assert 'href="http://testserver/authors/?page=2"' in second.text  # canonical


@pytest.mark.parametrize("page", ["3", "0", "nope", "-1"])
def test_authors_index_answers_404_for_a_page_that_does_not_exist(
    client, make_author, make_article, page
):
    make_article(authors=[make_author()])
    response = client.get(reverse("articles:authors"), {"page": page})
    assert response.status_code == 404


@pytest.mark.parametrize("name", INDEXES)
def test_an_empty_index_says_so(client, name):
    response = client.get(reverse(f"articles:{name}"))
    assert response.status_code == 200
    assert "Nothing here yet." in response.text


@pytest.mark.parametrize("name", INDEXES)
def test_index_pages_are_publicly_cacheable(client, name):
    response = client.get(reverse(f"articles:{name}"))
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize("name", INDEXES)
def test_index_query_budget(
    client,
    django_assert_max_num_queries,
    make_article,
    make_author,
    make_region,
    make_theme,
    make_report,
    name,
    n,
):
    authors = [make_author() for _ in range(n)]
    regions = [make_region() for _ in range(n)]
    themes = [make_theme() for _ in range(n)]
    articles = [
        make_article(authors=authors, regions=regions, themes=themes) for _ in range(n)
    ]
    for _ in range(n):
        make_report(articles=articles)
    client.get("/")  # warm the per-process identity memo
    # The page's own queries: one, or two with the paginator's count.
    with django_assert_max_num_queries(3):
        response = client.get(reverse(f"articles:{name}"))
    assert response.status_code == 200
    assert response.text.count('<li class="subject') == n
    assert f"{n} article" in response.text


def test_home_page_header_links_to_every_browse_page(client):
    response = client.get("/")
    nav = response.text.split('<nav class="site-nav"')[1].split("</nav>")[0]
    for name in INDEXES:
        assert f'href="{reverse(f"articles:{name}")}"' in nav
    for label in ["Regions", "Themes", "Reports", "Authors", "Search", "Home"]:
        assert f">{label}</a>" in nav


def test_sitemap_lists_the_index_pages(client, world):
    response = client.get("/sitemap-listings.xml")
    for name in INDEXES:
        assert f"http://testserver{reverse(f'articles:{name}')}</loc>" in response.text


@pytest.mark.parametrize("name", INDEXES)
def test_header_marks_the_current_index_page(client, name):
    response = client.get(reverse(f"articles:{name}"))
    nav = response.text.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert f'href="{reverse(f"articles:{name}")}" aria-current="page"' in nav
    assert nav.count('aria-current="page"') == 1
