from datetime import timedelta

import pytest
from django.utils import timezone

from reprints.models import PermissionGrant


@pytest.fixture
def grant(article, terms, identity):
    return PermissionGrant.objects.create(
        article=article,
        grantee_name="Bea Reader",
        organisation="Outlet Weekly",
        medium="print",
        terms=terms,
    )


@pytest.mark.django_db
def test_valid_grant_shows_attribution_with_copy_buttons(client, grant):
    response = client.get(grant.get_absolute_url())
    assert response.status_code == 200
    assert "This permission is valid" in response.text
    assert "Copyright © Ada Writer, Imprint Trust" in response.text
    assert "/articles/water-sahel/" in response.text
    assert 'data-copy-target="attribution-html"' in response.text
    assert 'data-copy-target="attribution-text"' in response.text
    assert "js/copy.js" in response.text
    assert "<script>" not in response.text
    assert "no-cache" in response["Cache-Control"]
    assert "original source" not in response.text


@pytest.mark.django_db
def test_cross_post_names_the_original_source(client, grant, article):
    article.original_outlet = "The Daily <Sun>"
    article.original_url = "https://sun.example/story"
    article.save()
    response = client.get(grant.get_absolute_url())
    assert "The original source of this article is The Daily &lt;Sun&gt;" in (
        response.text
    )
    assert "<Sun>" not in response.text


@pytest.mark.django_db
def test_expired_grant(client, grant):
    PermissionGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    response = client.get(grant.get_absolute_url())
    assert "This permission has expired" in response.text
    assert "attribution-text" not in response.text


@pytest.mark.django_db
def test_revoked_grant(client, grant):
    PermissionGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    response = client.get(grant.get_absolute_url())
    assert "This permission has been revoked" in response.text


@pytest.mark.django_db
def test_unknown_code_is_404_and_there_is_no_list(client, grant):
    assert client.get("/reprints/verify/nope/").status_code == 404
    assert client.get("/reprints/verify/").status_code == 404


@pytest.mark.django_db
def test_policy_page_shows_current_terms(client, terms):
    response = client.get("/reprints/")
    assert response.status_code == 200
    assert "Credit us." in response.text
    assert "/reprints/request/" in response.text
