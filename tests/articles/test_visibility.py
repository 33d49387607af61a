"""Only published articles whose time has come appear anywhere a reader looks."""

import pytest

from articles.models import Correction

pytestmark = pytest.mark.django_db

HIDDEN_STATES = ["draft", "review", "scheduled", "unpublished"]


@pytest.fixture
def setting(make_article, make_author, make_region, make_theme, make_report):
    author = make_author("Ann Lee")
    region = make_region("Asia")
    theme = make_theme("Water")
    visible = make_article(
        "Visible zebra story",
        authors=[author],
        regions=[region],
        themes=[theme],
        tags=["shared"],
    )
    note(visible)

    def hidden(state):
        article = make_article(
            f"Hidden zebra {state}",
            state=state,
            authors=[author],
            regions=[region],
            themes=[theme],
            tags=["shared"],
        )
        note(article)  # a hidden article's notes are hidden with it
        report = make_report("Report", articles=[visible, article])
        return article, report

    return {
        "author": author,
        "region": region,
        "theme": theme,
        "visible": visible,
        "hidden": hidden,
    }


def note(article):
    Correction.objects.create(
        article=article, kind="correction", note="A zebra count.", revision_number=1
    )


def public_urls(setting, report):
    region, theme, author = setting["region"], setting["theme"], setting["author"]
    urls = [
        "/",
        setting["visible"].get_absolute_url(),  # related articles, JSON-LD
        region.get_absolute_url(),
        theme.get_absolute_url(),
        author.get_absolute_url(),
        "/tags/shared/",
        report.get_absolute_url(),
        "/search/?q=zebra",
        f"/search/?region={region.slug}",
        "/sitemap-articles.xml",
        "/sitemap-listings.xml",
        "/feeds/rss/",
        "/feeds/atom/",
        "/corrections/",
        "/corrections/feed/rss/",
        "/corrections/feed/atom/",
    ]
    for base in (
        region.get_absolute_url(),
        theme.get_absolute_url(),
        author.get_absolute_url(),
        "/tags/shared/",
        report.get_absolute_url(),
    ):
        urls += [base + "feed/rss/", base + "feed/atom/"]
    return urls


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_article_appears_nowhere(client, setting, state):
    article, report = setting["hidden"](state)
    for url in public_urls(setting, report):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Visible zebra story" in body or "/sitemap-" in url, url
        assert f"Hidden zebra {state}" not in body, url
        assert article.slug not in body, url


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_article_page_is_a_404_like_a_missing_one(client, setting, state):
    article, _ = setting["hidden"](state)
    hidden = client.get(article.get_absolute_url())
    missing = client.get("/articles/no-such-article/")
    assert hidden.status_code == missing.status_code == 404
    # The same page, but for the address itself (canonical link).
    assert hidden.text.replace(article.slug, "X") == missing.text.replace(
        "no-such-article", "X"
    )
    assert sorted(hidden.headers) == sorted(missing.headers)


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_staff_preview_hidden_article(staff_client, setting, state):
    article, _ = setting["hidden"](state)
    response = staff_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Not public." in response.text


def test_published_article_visible_everywhere(client, setting):
    _, report = setting["hidden"]("draft")
    visible = setting["visible"]
    for url in public_urls(setting, report):
        body = client.get(url).content.decode()
        if url in (visible.get_absolute_url(), "/sitemap-listings.xml"):
            continue
        assert visible.slug in body, url


def test_tag_only_drafts_use_is_not_revealed(client, make_article):
    make_article("Secret", state="draft", tags=["merger-plan"])
    assert client.get("/tags/merger-plan/").status_code == 404
    assert client.get("/tags/merger-plan/feed/rss/").status_code == 404
    assert "merger-plan" not in client.get("/sitemap-listings.xml").text


def test_report_with_only_hidden_articles_is_a_404(client, make_article, make_report):
    draft = make_article("Draft", state="draft")
    report = make_report("Coming soon", articles=[draft])
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(report.get_absolute_url() + "feed/rss/").status_code == 404


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_author_credited_only_on_hidden_work_appears_nowhere(
    client, setting, make_author, make_article, state
):
    secret = make_author("Zed Quill", slug="zed-quill", bio="Joins us in spring.")
    make_article(f"Hidden by Zed {state}", state=state, authors=[secret])
    _, report = setting["hidden"](state)
    urls = public_urls(setting, report) + ["/authors/", "/search/"]
    for url in urls + [
        "/search/?author=zed-quill",
        "/search/?q=zebra&author=zed-quill",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        for secret_text in ("Zed Quill", "zed-quill", "Joins us in spring"):
            assert secret_text not in response.text, (url, secret_text)
    form = client.get("/search/").text
    assert 'value="zed-quill"' not in form
    assert f'<option value="{setting["author"].slug}"' in form
    missing = client.get("/authors/no-such-author/")
    for suffix in ("", "feed/rss/", "feed/atom/"):
        assert client.get(f"/authors/zed-quill/{suffix}").status_code == 404, suffix
    assert client.get("/authors/zed-quill/").text.replace(
        "zed-quill", "X"
    ) == missing.text.replace("no-such-author", "X")


def test_author_appears_once_an_article_of_theirs_is_public(
    client, make_author, make_article
):
    author = make_author("Zed Quill", slug="zed-quill")
    make_article("Draft by Zed", state="draft", authors=[author])
    assert client.get("/authors/zed-quill/").status_code == 404
    make_article("Out now by Zed", authors=[author])
    for url in ("/authors/zed-quill/", "/authors/zed-quill/feed/rss/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Out now by Zed" in response.text
        assert "Draft by Zed" not in response.text
    assert 'value="zed-quill"' in client.get("/search/").text
