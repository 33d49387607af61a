import pytest
from django.test import Client


@pytest.fixture
def api():
    """An anonymous client of the read API."""
    return Client()


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    return response.json()
