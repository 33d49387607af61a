import json
import re
from datetime import date

import pytest

from articles.models import Article

pytestmark = pytest.mark.django_db


def json_ld(response):
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        response.text,
        re.S,
    )
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


@pytest.fixture
def world(make_article, make_author, make_region, make_theme, make_report):
    ann = make_author("Ann Lee", bio="Ann studies rivers.", affiliation="Institute")
    bo = make_author("Bo Chen", bio="Bo maps floods.")
    asia = make_region("Asia", description="Everything east of the Urals.")
    water = make_theme("Water", description="Rivers, rain and drought.")
    article = make_article(
        "Rivers run dry",
        authors=[ann, bo],
        regions=[asia],
        themes=[water],
        tags=["drought"],
        standfirst="The Mekong is lower than ever.",
        body="<p>The river <strong>fell</strong> again.</p>",
        original_outlet="The Monitor",
        original_url="https://monitor.example/rivers",
        original_published_at=date(2024, 3, 2),
    )
    other = make_article("Floods return", authors=[bo], themes=[water])
    report = make_report(
        "Water wars", articles=[other, article], introduction="<p>A dossier.</p>"
    )
    return locals()


def test_article_page_shows_every_part_in_order(client, world):
    response = client.get(world["article"].get_absolute_url())
    assert response.status_code == 200
    html = response.text.split('<main id="main"')[1]
    order = [
        "<h1>Rivers run dry</h1>",
        "The Mekong is lower than ever.",
        'href="/authors/',
        "<time datetime=",
        'href="/regions/',
        "The river <strong>fell</strong> again.",
        "The original source of this article is",
        "Copyright © Ann Lee, Bo Chen, Imprint Review, 2024",
        "About the authors",
        "Related articles",
    ]
    positions = [html.index(part) for part in order]
    assert positions == sorted(positions)
    assert '<a href="https://monitor.example/rivers">The Monitor</a>' in html
    assert 'datetime="2024-03-02"' in html
    assert "All articles by Ann Lee" in html
    assert "All articles by Bo Chen" in html
    assert 'href="/themes/' in html
    assert "In-depth: Water wars" in html
    assert "Floods return" in html  # related through the theme
    assert 'href="/reprints/request/?article=' in html
    assert "mailto:?subject=Rivers%20run%20dry" in html
    assert html.count("<h1") == 1


def test_article_metadata(client, world):
    article = world["article"]
    response = client.get(article.get_absolute_url())
    html = response.text
    assert "<title>Rivers run dry – Imprint Review</title>" in html
    assert '<meta name="description" content="The Mekong is lower than ever.">' in html
    assert '<link rel="canonical" href="http://testserver/articles/' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card"' in html
    data = json_ld(response)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Rivers run dry"
    assert [a["name"] for a in data["author"]] == ["Ann Lee", "Bo Chen"]
    assert data["isBasedOn"] == "https://monitor.example/rivers"
    assert data["copyrightYear"] == 2024
    assert data["publisher"]["name"] == "Imprint Review"
    assert data["datePublished"] and data["dateModified"]


def test_canonical_points_to_original_when_marked(client, make_article):
    article = make_article(
        "Cross",
        original_outlet="Daily",
        original_url="https://daily.example/x",
        is_original_canonical=True,
    )
    html = client.get(article.get_absolute_url()).text
    assert '<link rel="canonical" href="https://daily.example/x">' in html


def test_json_ld_escapes_html(client, make_article):
    article = make_article("</script><script>alert(1)</script> & more")
    response = client.get(article.get_absolute_url())
    head = response.text.split("</head>")[0]
    assert "<script>alert" not in head
    assert json_ld(response)["headline"].startswith("</script>")


def test_not_reprintable_says_so(client, make_article):
    article = make_article("Third party", is_reprintable=False)
    html = client.get(article.get_absolute_url()).text
    assert "This article cannot be reprinted." in html
    assert "Request permission to reprint</a>" not in html


def test_home_shows_lead_latest_regions_themes_reports(client, world, make_article):
    response = client.get("/")
    html = response.text
    assert response.status_code == 200
    for text in ("Latest", "By region", "By theme", "In-depth reports", "Water wars"):
        assert text in html
    assert 'href="/regions/' in html and "Asia" in html
    assert "Rivers run dry" in html and "Floods return" in html
    assert 'type="application/rss+xml"' in html


def test_region_theme_author_tag_report_pages(client, world):
    asia, water = world["asia"], world["water"]
    pages = {
        asia.get_absolute_url(): ["Asia", "Everything east of the Urals."],
        water.get_absolute_url(): ["Water", "Rivers, rain and drought."],
        world["ann"].get_absolute_url(): ["Articles by Ann Lee", "Ann studies rivers."],
        "/tags/drought/": ["drought", "Rivers run dry"],
        world["report"].get_absolute_url(): ["Water wars", "A dossier."],
    }
    for url, texts in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for text in texts:
            assert text in response.text, (url, text)
        assert f'href="http://testserver{url}feed/rss/"' in response.text
        assert f'href="{url}feed/atom/"' in response.text


def test_report_lists_articles_in_editor_order(client, world):
    html = client.get(world["report"].get_absolute_url()).text
    assert html.index("Floods return") < html.index("Rivers run dry")


def test_listing_is_newest_first_and_paginated(client, make_region, make_article):
    from datetime import timedelta

    from django.utils import timezone

    region = make_region("Europe")
    now = timezone.now()
    for number in range(45):
        make_article(
            f"Story {number:02d}",
            regions=[region],
            publish_at=now - timedelta(hours=number + 1),
        )
    first = client.get(region.get_absolute_url())
    assert "Story 00" in first.text and "Story 19" in first.text
    assert "Story 20" not in first.text
    assert first.text.index("Story 00") < first.text.index("Story 01")
    assert "Page 1 of 3" in first.text
    third = client.get(region.get_absolute_url() + "?page=3")
    assert "Story 40" in third.text and "Story 44" in third.text
    assert "Story 39" not in third.text
    second = client.get(region.get_absolute_url() + "?page=2")
    assert "Story 20" in second.text and "Story 39" in second.text
    assert 'rel="prev"' in second.text and 'rel="next"' in second.text


@pytest.mark.parametrize("page", ["abc", "0", "-1", "4", "99999", "1.5", "", "9" * 30])
def test_bad_page_numbers_give_404(client, make_region, make_article, page):
    region = make_region()
    for _ in range(45):
        make_article(regions=[region])
    response = client.get(f"{region.get_absolute_url()}?page={page}")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_bad_page_on_home_search_and_report(client, world):
    assert client.get("/search/?q=river&page=abc").status_code == 404
    assert client.get("/search/?q=river&page=50").status_code == 404
    report = world["report"].get_absolute_url()
    assert client.get(report + "?page=2").status_code == 404
    assert client.get(report + "?page=x").status_code == 404


def test_404_page_in_site_design(client):
    response = client.get("/articles/nothing-here/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Skip to content" in response.text


def test_500_template_needs_no_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html


def test_robots_txt_points_to_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.text


def test_staff_see_banner_on_unpublished_article(staff_client, make_article):
    draft = make_article("Secret draft", state="draft")
    response = staff_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Not public." in response.text
    assert "no-store" in response["Cache-Control"]


def test_published_article_has_no_banner(staff_client, make_article):
    article = make_article("Open")
    assert "Not public." not in staff_client.get(article.get_absolute_url()).text


def test_print_stylesheet_linked(client, make_article):
    html = client.get(make_article().get_absolute_url()).text
    assert 'href="/static/css/print.css" media="print"' in html


def test_status_published_needs_time():
    assert Article.Status.PUBLISHED == "published"


@pytest.mark.parametrize("kind", ["article", "rss", "atom"])
def test_conditional_get_answers_304(client, make_article, kind):
    article = make_article("Cached")
    url = {"article": article.get_absolute_url(), "rss": "/feeds/rss/"}.get(
        kind, "/feeds/atom/"
    )
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] in {"public, max-age=300", "max-age=300, public"}
    assert "Cookie" in first["Vary"]
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, headers={"if-modified-since": modified}).status_code == 304
    article.title = "Changed"
    article.save()
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_logged_in_readers_get_private_pages(staff_client, make_article):
    article = make_article()
    first = staff_client.get(article.get_absolute_url())
    assert "private" in first["Cache-Control"] and "no-store" in first["Cache-Control"]
    assert "ETag" not in first


def test_listings_send_cache_headers(client, make_region):
    region = make_region()
    for url in ("/", region.get_absolute_url(), "/search/?q=x", "/sitemap.xml"):
        response = client.get(url)
        assert "public" in response["Cache-Control"], url


@pytest.mark.parametrize(
    ("names", "byline"),
    [
        ([], None),
        (["Ada <Lovelace>"], "By Ada &lt;Lovelace&gt;"),
        (["Ada", "Grace"], "By Ada and Grace"),
        (["Ada", "Grace", "Mary"], "By Ada, Grace and Mary"),
    ],
)
def test_the_byline_names_every_author_in_order(
    client, make_article, make_author, names, byline
):
    authors = [make_author(name) for name in names]
    article = make_article("Bylined", authors=authors)
    html = client.get(article.get_absolute_url()).text
    found = re.search(r'<span class="byline">(.*?)</span>', html)
    if byline is None:
        assert found is None
        return
    assert re.sub(r"<[^>]+>", "", found.group(1)) == byline
    links = re.findall(r'<a href="([^"]+)" rel="author">', found.group(1))
    assert links == [author.get_absolute_url() for author in authors]


def test_memo_renders_a_fragment_once_for_each_set_of_values(monkeypatch):
    from django.template import Context, Template
    from django.utils import translation

    from articles.templatetags import reader

    calls = []
    monkeypatch.setattr(reader.MemoNode, "_rendered", {})
    template = Template(
        "{% load reader %}{% memo name %}{{ name }}:{{ counted }}{% endmemo %}"
    )

    class Counted:
        def __str__(self):
            calls.append(1)
            return str(len(calls))

    def render(name):
        return template.render(Context({"name": name, "counted": Counted()}))

    assert render("A") == "A:1"
    assert render("A") == "A:1"  # remembered: not rendered again
    assert render("B") == "B:2"
    with translation.override("fr"):
        assert render("A") == "A:3"  # another language: its own
    monkeypatch.setattr(reader, "MEMO_SIZE", 2)
    render("C")
    assert render("A") == "A:5"  # forgotten, the oldest first


def test_the_header_and_footer_follow_the_publications_name(client, make_article):
    from publication.models import Identity

    article = make_article("Rivers")
    Identity.objects.create(name="The Review")
    assert client.get(article.get_absolute_url()).text.count("The Review") >= 3
    identity = Identity.objects.get()
    identity.name = "The Quarterly"
    identity.save()
    page = client.get(article.get_absolute_url()).text
    assert "The Review" not in page
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    footer = page.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]
    assert "The Quarterly" in header
    assert "The Quarterly" in footer
