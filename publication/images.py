"""Uploaded images: validated from their bytes, re-encoded, stored under random
names, with renditions for srcset. (Being filled in.)"""

import uuid
from pathlib import PurePath

from django.db import models
from django.utils import timezone


def random_upload_path(instance, filename):
    suffix = PurePath(filename).suffix.lower()
    return f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class SafeImageField(models.ImageField):
    """An ImageField whose uploads are checked and re-encoded on every save."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("upload_to", random_upload_path)
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
