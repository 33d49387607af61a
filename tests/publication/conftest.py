import pytest

from authors.models import Author
from tests.factories_images import make_upload


@pytest.fixture
def author(db):
    return Author.objects.create(name="Ada Researcher", slug="ada-researcher")


@pytest.fixture
def jpeg_upload():
    """A 2000 × 1000 JPEG, as a browser sends it."""
    return make_upload("holiday photo.jpg", format="JPEG", size=(2000, 1000))


@pytest.fixture
def open_stored():
    """Open a stored file with Pillow, closing it after the test."""
    from django.core.files.storage import default_storage
    from PIL import Image

    opened = []

    def open_(name):
        handle = default_storage.open(name)
        opened.append(handle)
        image = Image.open(handle)
        image.load()
        return image

    yield open_
    for handle in opened:
        handle.close()
