"""Every admin page an editor uses loads, and the bulk actions do what they say."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article
from authors.models import Author
from regions.models import Region
from themes.models import Theme


@pytest.fixture
def content(make_article, make_author, make_region, make_theme, make_report):
    author = make_author("Amira Haddad")
    region, theme = make_region("Sahel"), make_theme("Water")
    article = make_article(
        "Rivers", authors=[author], regions=[region], themes=[theme], tags=["dams"]
    )
    report = make_report("Dams", articles=[article])
    return {
        "article": article,
        "author": author,
        "region": region,
        "theme": theme,
        "report": report,
    }


MODELS = ["article", "author", "region", "theme", "report"]
ADMIN_NAMES = {
    "article": "articles_article",
    "author": "authors_author",
    "region": "regions_region",
    "theme": "themes_theme",
    "report": "articles_indepthreport",
}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_add_and_change_pages_load(admin_client, content, model):
    name = ADMIN_NAMES[model]
    obj = content[model]
    for url in [
        reverse(f"admin:{name}_changelist"),
        reverse(f"admin:{name}_add"),
        reverse(f"admin:{name}_change", args=[obj.pk]),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url


def test_article_list_shows_what_an_editor_scans(admin_client, content):
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    text = response.text
    for expected in ["Rivers", "Amira Haddad", "Sahel", "Water", "Published"]:
        assert expected in text


@pytest.mark.parametrize(
    "query", ["status__exact=draft", "regions__id__exact=1", "q=Haddad", "q=Rivers"]
)
def test_article_list_filters_and_search(admin_client, content, query):
    response = admin_client.get(
        reverse("admin:articles_article_changelist") + "?" + query
    )
    assert response.status_code == 200


def test_search_finds_by_author_name(admin_client, content, make_article):
    make_article("Unrelated")
    response = admin_client.get(
        reverse("admin:articles_article_changelist"), {"q": "Haddad"}
    )
    assert "Rivers" in response.text
    assert "Unrelated" not in response.text


def test_taxonomy_lists_count_articles_and_link_to_public_pages(admin_client, content):
    response = admin_client.get(reverse("admin:regions_region_changelist"))
    assert "Sahel" in response.text
    assert content["region"].get_absolute_url() in response.text
    assert "1 <small>(1 public)</small>" in response.text


def test_subject_counts_only_public_articles(admin_client, make_region, make_article):
    region = make_region("Andes")
    make_article(regions=[region])
    make_article(regions=[region], state="scheduled")
    make_article(regions=[region], state="draft")
    response = admin_client.get(reverse("admin:regions_region_changelist"))
    assert "3 <small>(1 public)</small>" in response.text


def test_view_on_site_goes_to_the_article(admin_client, content):
    article = content["article"]
    response = admin_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    )
    link = response.context["adminform"].form.instance
    shortcut = reverse(
        "admin:view_on_site",
        args=[response.context["content_type_id"], link.pk],
    )
    assert shortcut in response.text
    redirect = admin_client.get(shortcut)
    assert redirect.url.endswith(article.get_absolute_url())


def test_bulk_publish_counts_what_changed(admin_client, make_article):
    drafts = [make_article(state="draft"), make_article(state="review")]
    already = make_article()
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "publish",
            "_selected_action": [a.pk for a in [*drafts, already]],
        },
        follow=True,
    )
    assert "2 articles published." in response.text
    assert Article.objects.published().count() == 3
    for article in Article.objects.all():
        assert article.notices_pinned_at is not None


def test_bulk_unpublish_counts_what_changed(admin_client, make_article):
    published = [make_article(), make_article()]
    draft = make_article(state="draft")
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "unpublish",
            "_selected_action": [a.pk for a in [*published, draft]],
        },
        follow=True,
    )
    assert "2 articles unpublished." in response.text
    assert Article.objects.published().count() == 0


def test_contributor_cannot_publish(client, django_user_model, make_article):
    user = django_user_model.objects.create_user(
        "c", password="x-long-pass-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Contributor"))
    client.force_login(user)
    draft = make_article(state="draft")
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code in (200, 302)
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_adding_an_article_in_the_admin(admin_client):
    author = Author.objects.create(name="Ann Lee", slug="ann-lee")
    region = Region.objects.create(name="Andes", slug="andes")
    theme = Theme.objects.create(name="Mining", slug="mining")
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Copper",
            "slug": "copper",
            "standfirst": "Where it comes from.",
            "body": '<p>Text <a href="javascript:alert(1)">x</a></p><script>x</script>',
            "_action": "publish",
            "regions": [region.pk],
            "themes": [theme.pk],
            "tags": "copper, andes",
            "is_reprintable": "on",
            "authorships-TOTAL_FORMS": "1",
            "authorships-INITIAL_FORMS": "0",
            "authorships-MIN_NUM_FORMS": "1",
            "authorships-MAX_NUM_FORMS": "1000",
            "authorships-0-author": author.pk,
            "authorships-0-position": "0",
            "report_entries-TOTAL_FORMS": "0",
            "report_entries-INITIAL_FORMS": "0",
            "report_entries-MIN_NUM_FORMS": "0",
            "report_entries-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="copper")
    assert article.is_public
    assert article.created_by.username == "admin"
    assert article.revisions.count() == 1
    assert "script" not in article.body and "javascript" not in article.body
    assert set(article.tags.names()) == {"copper", "andes"}
    assert article.ordered_authors() == [author]


def test_times_are_shown_in_the_publication_time_zone(
    admin_client, make_article, settings
):
    import datetime as dt

    article = make_article(publish_at=dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC))
    response = admin_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    )
    # Europe/London is an hour ahead of UTC in July.
    assert "July 1, 2026, noon" in response.text or "1 July 2026 12:00" in response.text


def test_every_registered_admin_list_and_add_page_loads(admin_client, content):
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        # (The publication identity's list goes straight to its one record.)
        response = admin_client.get(reverse(f"{info}_changelist"), follow=True)
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            response = admin_client.get(reverse(f"{info}_add"), follow=True)
            assert response.status_code == 200, info
        first = model._default_manager.first()
        if first is not None:
            response = admin_client.get(reverse(f"{info}_change", args=[first.pk]))
            assert response.status_code == 200, info


def test_article_list_thumbnail_is_a_small_rendition(admin_client, make_article):
    from django.core.files.base import ContentFile

    from tests.factories_images import make_image_bytes

    article = make_article("Illustrated", image_alt="A map", image_credit="Map: us")
    article.featured_image.save(
        "map.jpg", ContentFile(make_image_bytes("JPEG", size=(1600, 900)))
    )
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    small = next(
        r
        for r in article.featured_image_renditions
        if r["width"] == 320 and r["format"] == "webp"
    )
    assert small["name"] in response.text
    assert article.featured_image.name not in response.text


@pytest.fixture
def contributor_client(client, django_user_model):
    user = django_user_model.objects.create_user(
        "writer", password="x-long-pass-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Contributor"))
    client.force_login(user)
    return client


def test_contributor_can_send_for_review_but_not_publish(
    contributor_client, make_article, django_user_model
):
    writer = django_user_model.objects.get(username="writer")
    draft = make_article(state="draft", created_by=writer)
    url = reverse("admin:articles_article_change", args=[draft.pk])
    page = contributor_client.get(url).text
    assert 'value="submit"' in page
    assert 'value="publish"' not in page
    assert 'value="schedule"' not in page


def test_contributor_cannot_change_a_published_articles_status(
    contributor_client, make_article
):
    published = make_article()
    url = reverse("admin:articles_article_change", args=[published.pk])
    form = contributor_client.get(url).context["adminform"].form
    assert "status" not in form.fields
    assert "publish_at" not in form.fields


def test_publisher_can_publish_from_the_form(admin_client, make_article):
    draft = make_article(state="draft")
    url = reverse("admin:articles_article_change", args=[draft.pk])
    page = admin_client.get(url).text
    assert 'value="publish"' in page and 'value="schedule"' in page
