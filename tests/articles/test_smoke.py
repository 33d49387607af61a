import pytest

from articles.models import Article


@pytest.mark.django_db
def test_published_article_page_loads(client):
    article = Article.objects.create(
        title="Water", slug="water", status=Article.Status.PUBLISHED
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Water" in response.text
