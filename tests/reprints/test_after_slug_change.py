"""Grants, attributions and requests keep working when an article's slug
changes: they refer to the article, and its old address redirects."""

import pytest

from reprints.models import PermissionGrant, ReprintRequest
from reprints.services import attribution

pytestmark = pytest.mark.django_db

URL = "/reprints/request/"


@pytest.fixture
def grant(article, terms, identity):
    return PermissionGrant.objects.create(
        article=article,
        grantee_name="Bea Reader",
        organisation="Outlet Weekly",
        medium="print",
        terms=terms,
    )


def rename(article, slug):
    article.slug = slug
    article.save()


def test_grant_page_and_attribution_follow_the_new_address(client, settings, grant):
    settings.SITE_URL = "https://review.example.org"
    printed = attribution(grant)["url"]
    assert printed == "https://review.example.org/articles/water-sahel/"
    rename(grant.article, "water-in-the-sahel")
    grant.refresh_from_db()
    response = client.get(grant.get_absolute_url())
    assert response.status_code == 200
    assert "This permission is valid" in response.text
    assert "/articles/water-in-the-sahel/" in response.text
    assert "/articles/water-sahel/" not in response.text
    # What a grantee printed before the change still leads to the article.
    old = client.get(printed.removeprefix(settings.SITE_URL))
    assert old.status_code == 301
    assert old["Location"] == "/articles/water-in-the-sahel/"
    assert client.get(old["Location"]).status_code == 200


def test_a_request_started_on_the_old_address_names_the_article(
    client, article, request_data
):
    old = article.slug
    rename(article, "water-in-the-sahel")
    page = client.get(URL, {"article": old})
    assert page.status_code == 200
    assert 'type="hidden" name="article" value="water-in-the-sahel"' in page.text
    # A page cached before the change posts the old slug.
    response = client.post(URL, request_data(article=old))
    assert response.status_code == 302
    assert ReprintRequest.objects.get().article == article
