"""Images for imported posts: read from a copy of ``wp-content/uploads`` or,
when asked, downloaded from allowed hosts; stored once each, through the same
checks as an upload in the admin (``publication.images``)."""

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from articles.models import Article

from .models import WordPressImage

UPLOADS_MARKER = "/wp-content/uploads/"


class ImageUnavailable(Exception):
    """The image could not be had; the message says why, for the report."""


def _error_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an allowed host."""

    def __init__(self, allowed):
        self.allowed = allowed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        host = (urlsplit(newurl).hostname or "").lower()
        if host not in self.allowed:
            raise ImageUnavailable(
                _("it redirects to %(host)s, which is not an allowed host")
                % {"host": host or newurl}
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class ImageSource:
    """Where an import finds the bytes of an image.

    ``uploads``: a local folder holding a copy of ``wp-content/uploads``.
    ``download``: fetch from the export's addresses, from ``hosts`` only, with
    a time-out and at most ``IMAGE_MAX_BYTES`` per file. ``store=False`` (a
    dry run) checks that an image would be found without storing anything.
    """

    def __init__(self, *, uploads=None, download=False, hosts=(), store=True):
        self.uploads = Path(uploads).resolve() if uploads else None
        self.download = download
        self.hosts = {host.lower() for host in hosts if host}
        self.store = store

    def _relative(self, url, file=""):
        if file:
            return file.lstrip("/")
        path = unquote(urlsplit(url).path)
        if UPLOADS_MARKER in path:
            return path.split(UPLOADS_MARKER, 1)[1]
        return None

    def _local(self, relative):
        if self.uploads is None or not relative:
            return None
        candidate = (self.uploads / relative).resolve()
        # A name like ../../etc/passwd must not leave the uploads folder.
        if not candidate.is_relative_to(self.uploads) or not candidate.is_file():
            return None
        return candidate

    def _fetch(self, url):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ImageUnavailable(_("only http and https addresses are fetched"))
        host = (parts.hostname or "").lower()
        if host not in self.hosts:
            raise ImageUnavailable(
                _("%(host)s is not an allowed host") % {"host": host or url}
            )
        if not self.store:
            return None
        limit = settings.IMAGE_MAX_BYTES
        opener = urllib.request.build_opener(_SameHostRedirects(self.hosts))
        request = urllib.request.Request(url, headers={"User-Agent": "Imprint import"})
        try:
            with opener.open(
                request, timeout=settings.IMPORT_DOWNLOAD_TIMEOUT
            ) as answer:
                length = answer.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > limit:
                    raise ImageUnavailable(
                        _("it is %(size)s bytes; the limit is %(limit)s")
                        % {"size": length, "limit": limit}
                    )
                data = answer.read(limit + 1)
        except ImageUnavailable:
            raise
        except urllib.error.HTTPError as error:
            raise ImageUnavailable(
                _("the server answered %(code)s") % {"code": error.code}
            ) from error
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise ImageUnavailable(
                _("it could not be fetched (%(reason)s)") % {"reason": reason}
            ) from error
        if len(data) > limit:
            raise ImageUnavailable(
                _("it is larger than the limit of %(limit)s bytes") % {"limit": limit}
            )
        return data

    def read(self, url, file=""):
        """The image's bytes (None in a dry run), or ImageUnavailable."""
        local = self._local(self._relative(url, file))
        if local is not None:
            return local.read_bytes() if self.store else None
        if self.download:
            return self._fetch(url)
        if self.uploads is not None:
            raise ImageUnavailable(_("it is not in the uploads folder"))
        raise ImageUnavailable(
            _("no uploads folder was given and downloading was not asked for")
        )

    def stored(self, url, file=""):
        """``(name, renditions)`` of the image in media storage, storing it the
        first time; ``("", [])`` in a dry run. Raises ImageUnavailable."""
        known = WordPressImage.objects.filter(source=url).first()
        if known is not None:
            return known.name, known.renditions
        data = self.read(url, file)
        if data is None:
            return "", []
        holder = Article()
        try:
            holder.featured_image.save("upload", ContentFile(data), save=False)
        except ValidationError as error:
            raise ImageUnavailable(_error_text(error)) from error
        image = WordPressImage.objects.create(
            source=url,
            name=holder.featured_image.name,
            renditions=holder.featured_image_renditions,
        )
        return image.name, image.renditions

    def url(self, src):
        """The new address of an inline image, or None when it is unavailable
        (for ``imports.content.convert``)."""
        name, _renditions = self.stored(src)
        if not name:
            return src  # a dry run: it would be found
        return Article().featured_image.storage.url(name)
