from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from publication.models import Identity, NoticeVersion, forget_identity
from publication.notices import current_notices, notices_at

Kind = NoticeVersion.Kind


@pytest.fixture(autouse=True)
def _forget_identity():
    forget_identity()
    yield
    forget_identity()


@pytest.fixture
def admin_client_(client, db):
    user = get_user_model().objects.create_superuser(
        "boss", "boss@example.org", "pw-Imprint-123"
    )
    client.force_login(user)
    return client


def version(kind, body, ago):
    return NoticeVersion.objects.create(
        kind=kind, body=f"<p>{body}</p>", created_at=timezone.now() - ago
    )


@pytest.mark.django_db
def test_notices_at_picks_newest_version_per_kind_from_one_cached_read(
    django_assert_num_queries,
):
    version(Kind.DISCLAIMER, "old disclaimer", timedelta(days=10))
    version(Kind.DISCLAIMER, "new disclaimer", timedelta(days=1))
    version(Kind.REPRINT_TERMS, "terms", timedelta(days=5))
    with django_assert_num_queries(1):
        now = current_notices()
    assert "new disclaimer" in now[Kind.DISCLAIMER].body
    assert "terms" in now[Kind.REPRINT_TERMS].body
    with django_assert_num_queries(0):
        then = notices_at(timezone.now() - timedelta(days=3))
    assert "old disclaimer" in then[Kind.DISCLAIMER].body
    # Kinds no editor has written yet show the default version from the start.
    assert then[Kind.NOTE_TO_READERS].created_at.year == 2000


@pytest.mark.django_db
def test_a_new_notice_version_is_in_force_at_once():
    """The versions are kept in the shared cache; saving one drops them, so
    every process reads the new one on its next request."""
    version(Kind.DISCLAIMER, "old disclaimer", timedelta(days=10))
    assert "old disclaimer" in current_notices()[Kind.DISCLAIMER].body
    version(Kind.DISCLAIMER, "new disclaimer", timedelta(seconds=1))
    assert "new disclaimer" in current_notices()[Kind.DISCLAIMER].body
    NoticeVersion.objects.filter(body__contains="new disclaimer").delete()
    assert "old disclaimer" in current_notices()[Kind.DISCLAIMER].body


@pytest.mark.django_db
def test_publishing_pins_notices_and_later_versions_do_not_change_the_article(
    client,
):
    version(Kind.DISCLAIMER, "first disclaimer", timedelta(days=1))
    article = Article.objects.create(
        title="Rivers", slug="rivers", status=Article.Status.PUBLISHED
    )
    assert article.notices_pinned_at is not None
    version(Kind.DISCLAIMER, "second disclaimer", timedelta(0))
    html = Template("{% include 'includes/article_notices.html' %}").render(
        Context({"article": article})
    )
    assert "first disclaimer" in html
    assert "second disclaimer" not in html
    assert reverse("reprints:request") + "?article=rivers" in html
    # Saving again keeps the pin.
    pinned = article.notices_pinned_at
    article.title = "Rivers and lakes"
    article.save()
    article.refresh_from_db()
    assert article.notices_pinned_at == pinned


@pytest.mark.django_db
def test_draft_is_not_pinned():
    article = Article.objects.create(title="Draft", slug="draft")
    assert article.notices_pinned_at is None


@pytest.mark.django_db
def test_admin_publish_action_pins(admin_client_):
    article = Article.objects.create(title="Lakes", slug="lakes")
    admin_client_.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.notices_pinned_at is not None


@pytest.mark.django_db
def test_bulk_repin_action(admin_client_):
    long_ago = timezone.now() - timedelta(days=30)
    articles = [
        Article.objects.create(
            title=f"A{i}", slug=f"a{i}", status=Article.Status.PUBLISHED
        )
        for i in range(2)
    ]
    Article.objects.update(notices_pinned_at=long_ago)
    response = admin_client_.post(
        reverse("admin:articles_article_changelist"),
        {"action": "repin_notices", "_selected_action": [a.pk for a in articles]},
        follow=True,
    )
    assert "2 articles now show the current site notices" in response.text
    for article in articles:
        article.refresh_from_db()
        assert article.notices_pinned_at > long_ago


@pytest.mark.django_db
def test_single_article_repin_asks_then_repins(admin_client_):
    long_ago = timezone.now() - timedelta(days=30)
    article = Article.objects.create(
        title="Seas", slug="seas", status=Article.Status.PUBLISHED
    )
    Article.objects.update(notices_pinned_at=long_ago)
    change = admin_client_.get(
        reverse("admin:articles_article_change", args=[article.pk])
    )
    url = reverse("admin:articles_article_repin", args=[article.pk])
    assert url in change.text
    assert admin_client_.get(url).status_code == 200
    article.refresh_from_db()
    assert article.notices_pinned_at == long_ago  # GET changes nothing
    response = admin_client_.post(url)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.notices_pinned_at > long_ago


@pytest.mark.django_db
def test_admin_edit_makes_a_new_version_and_keeps_the_old_one_read_only(
    admin_client_,
):
    old = version(Kind.DISCLAIMER, "v1", timedelta(days=1))
    url = reverse("admin:publication_noticeversion_change", args=[old.pk])
    before = NoticeVersion.objects.count()
    response = admin_client_.post(url, {"body": "<p>v2</p>"})
    assert response.status_code == 302
    assert NoticeVersion.objects.count() == before + 1
    old.refresh_from_db()
    assert old.body == "<p>v1</p>"
    new = current_notices()[Kind.DISCLAIMER]
    assert new.body == "<p>v2</p>"
    assert new.created_by.username == "boss"
    # The older version is history: viewable, not editable.
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert "v1" in page.text
    assert 'name="body"' not in page.text
    admin_client_.post(url, {"body": "<p>hacked</p>"})
    old.refresh_from_db()
    assert old.body == "<p>v1</p>"
    listing = admin_client_.get(reverse("admin:publication_noticeversion_changelist"))
    assert listing.status_code == 200


@pytest.mark.django_db
def test_admin_adds_a_notice(admin_client_):
    response = admin_client_.post(
        reverse("admin:publication_noticeversion_add"),
        {"kind": Kind.FAIR_USE, "body": "<p>Fair use <script>x</script></p>"},
    )
    assert response.status_code == 302
    assert current_notices()[Kind.FAIR_USE].body == "<p>Fair use </p>"


@pytest.mark.django_db
def test_disclaimer_page_shows_current_version(client):
    version(Kind.DISCLAIMER, "old text", timedelta(days=2))
    version(Kind.DISCLAIMER, "current text", timedelta(days=1))
    response = client.get(reverse("publication:disclaimer"))
    assert response.status_code == 200
    assert "current text" in response.text
    assert "old text" not in response.text


@pytest.mark.django_db
def test_identity_is_a_singleton_with_validated_addresses(admin_client_):
    identity = Identity.get_solo()
    identity.reprint_emails = "a@example.org, not-an-address"
    with pytest.raises(ValidationError):
        identity.full_clean()
    other = Identity(name="Other")
    other.save()
    assert Identity.objects.count() == 1
    response = admin_client_.get(reverse("admin:publication_identity_changelist"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_identity_name_and_holder_reach_pages_and_copyright(client):
    Identity.objects.create(name="The Review", copyright_holder="Review Trust")
    article = Article.objects.create(
        title="Hills", slug="hills", status=Article.Status.PUBLISHED
    )
    response = client.get(reverse("publication:disclaimer"))
    assert "The Review" in response.text
    assert "Review Trust" in article.copyright_line()
    page = client.get(article.get_absolute_url())
    assert f"Copyright © Review Trust, {article.publish_at.year}" in page.text


@pytest.mark.django_db
def test_identity_is_read_at_most_once(client, django_assert_max_num_queries):
    client.get(reverse("publication:disclaimer"))
    with django_assert_max_num_queries(1):  # the notices query only
        client.get(reverse("publication:disclaimer"))
