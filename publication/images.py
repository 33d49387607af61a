"""Uploaded images: validated from their bytes, re-encoded without metadata,
stored under random names, with renditions for ``srcset``.

Every way a file reaches an image field goes through ``SafeImageFieldFile.save``
(the admin's form, ``Model.save()`` with a new upload, ``field_file.save()`` in
an importer), so nothing reaches storage unchecked. The form field runs the same
checks first, so the admin shows a message next to the field instead of failing.
"""

import io
import struct
import uuid
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import (
    GifImagePlugin,  # noqa: F401 (registers the format)
    Image,
    ImageCms,
    ImageOps,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    WebPImagePlugin,  # noqa: F401
)

# Pillow's format name -> (file extension, rendition format name).
# MPO is what cameras and phones call a JPEG with extra pictures inside.
ALLOWED_FORMATS = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
}
RENDITION_WIDTHS = (320, 640, 960, 1280, 1600)
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

# Errors Pillow raises for files that look like an image but are broken.
DAMAGED_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)

MESSAGES = {
    "format": _("Upload a JPEG, PNG, WebP or GIF image; this file is %(kind)s."),
    "too_large": _("This file is %(size)s; the limit is %(limit)s."),
    "too_many_pixels": _(
        "This image is %(width)s × %(height)s pixels (%(megapixels)s megapixels); "
        "the limit is %(limit)s megapixels. Scale it down and upload it again."
    ),
    "damaged": _(
        "This image is damaged or incomplete. Open it in an image editor, "
        "save it again and upload the new file."
    ),
}


def random_upload_path(instance, filename):
    """``images/YYYY/MM/<random>.<ext>``. The extension is the one in
    ``filename``, which ``SafeImageFieldFile.save`` sets from the detected format
    (never the uploaded name's)."""
    suffix = PurePath(filename).suffix.lower()
    return f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def _human_size(size):
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _megapixels(pixels):
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")


def _accepts(accept, data):
    # Pillow's checks return True, False, or a string explaining why a
    # format it recognises cannot be read here.
    if accept is None:
        return False
    result = accept(data[:16])
    return bool(result) and not isinstance(result, str)


def _describe(data):
    """What an unaccepted file is, for the message ("an SVG drawing")."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return _("a PDF document")
    if b"<svg" in head.lower():
        return _("an SVG drawing")
    Image.init()
    for name, (_factory, accept) in Image.OPEN.items():
        if _accepts(accept, data):
            return _("an image in %(format)s format") % {"format": name}
    return _("not an image")


def _open_header(data):
    """Parse the header with the allowed formats' readers only.

    Unlike ``Image.open`` this does not run Pillow's own decompression-bomb
    check, so our own limit (lower than Pillow's) decides, with the image's
    dimensions in the message. Nothing is decoded yet.
    """
    for name in ("JPEG", "PNG", "WEBP", "GIF"):
        factory, accept = Image.OPEN[name]
        if _accepts(accept, data):
            try:
                return factory(io.BytesIO(data), "")
            except DAMAGED_ERRORS as error:
                raise ValidationError(MESSAGES["damaged"], code="damaged") from error
    raise ValidationError(
        MESSAGES["format"], code="format", params={"kind": _describe(data)}
    )


def read_image(content):
    """Check an uploaded file and return its first frame, decoded.

    Refuses, with a ``ValidationError`` naming the reason: more bytes than
    ``IMAGE_MAX_BYTES``; anything but JPEG, PNG, WebP or GIF (from the bytes,
    not the name); more pixels than ``IMAGE_MAX_PIXELS`` (from the header,
    before any decoding); a damaged or truncated image.
    """
    limit = settings.IMAGE_MAX_BYTES
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read(limit + 1)
    if len(data) > limit:
        size = getattr(content, "size", None) or len(data)
        raise ValidationError(
            MESSAGES["too_large"],
            code="too_large",
            params={"size": _human_size(size), "limit": _human_size(limit)},
        )
    image = _open_header(data)
    width, height = image.size
    max_pixels = settings.IMAGE_MAX_PIXELS
    if width * height > max_pixels:
        image.close()
        raise ValidationError(
            MESSAGES["too_many_pixels"],
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "megapixels": _megapixels(width * height),
                "limit": _megapixels(max_pixels),
            },
        )
    try:
        image.load()
    except DAMAGED_ERRORS as error:
        raise ValidationError(MESSAGES["damaged"], code="damaged") from error
    return image


def _to_srgb(image):
    """Convert colours to sRGB when the file carries another ICC profile, so the
    profile can be dropped with the rest of the metadata."""
    icc = image.info.get("icc_profile")
    if image.mode == "CMYK" or (icc and image.mode in ("RGB", "RGBA")):
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        if icc:
            try:
                return ImageCms.profileToProfile(
                    image,
                    ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                    ImageCms.createProfile("sRGB"),
                    outputMode=output_mode,
                )
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass
        return image.convert(output_mode)
    return image


def _encode(image, pillow_format):
    buffer = io.BytesIO()
    if pillow_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=85, progressive=True, optimize=True)
    elif pillow_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    elif pillow_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.save(buffer, "WEBP", quality=82)
    else:
        image.save(buffer, "GIF")
    return buffer.getvalue()


def clean_image(content):
    """Check ``content`` and return ``(cleaned image, bytes, Pillow format)``:
    turned upright, in sRGB, re-encoded in its own format without metadata."""
    image = read_image(content)
    pillow_format = "JPEG" if image.format == "MPO" else image.format
    # In place, and closing what is no longer needed: a 40-megapixel image
    # takes 120 MB or more for each copy.
    ImageOps.exif_transpose(image, in_place=True)
    upright = _to_srgb(image)
    if upright is not image:
        image.close()
    # Drop EXIF (with GPS), XMP, the ICC profile and comments: only the
    # transparency of palette images is kept.
    upright.info = {
        key: value for key, value in upright.info.items() if key == "transparency"
    }
    return upright, _encode(upright, pillow_format), pillow_format


def make_renditions(image, pillow_format, name, storage):
    """Save smaller copies of ``image`` beside ``name``, in WebP and in the
    original's format (PNG for a GIF), and describe them.

    Widths come from ``RENDITION_WIDTHS`` below the original's width, plus
    the original width itself when it is narrower than the widest rendition:
    never wider than the original.
    """
    width, height = image.size
    widths = [w for w in RENDITION_WIDTHS if w < width]
    widths.append(min(width, RENDITION_WIDTHS[-1]))
    fallback = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG"}.get(pillow_format)
    formats = ["WEBP"] + ([fallback] if fallback else [])

    mode = "RGBA" if image.has_transparency_data else "RGB"
    source = image if image.mode == mode else image.convert(mode)
    stem = name.rsplit(".", 1)[0]
    renditions = []
    for target in sorted(set(widths), reverse=True):
        size = (target, max(1, round(height * target / width)))
        if size != source.size:
            # Each step starts from the one before: faster, and the ratio
            # stays small enough for good quality.
            source = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        for rendition_format in formats:
            extension = ALLOWED_FORMATS[rendition_format]
            stored = storage.save(
                f"{stem}-{target}.{extension}",
                ContentFile(_encode(source, rendition_format)),
            )
            renditions.append(
                {
                    "name": stored,
                    "width": size[0],
                    "height": size[1],
                    "format": rendition_format.lower(),
                }
            )
    renditions.sort(key=lambda r: (r["width"], r["format"] != "webp"))
    return [
        {
            "name": name,
            "width": width,
            "height": height,
            "format": pillow_format.lower(),
            "original": True,
        },
        *renditions,
    ]


def validate_image_upload(value):
    """Model-level check for a new upload (``full_clean``). Skips files already
    in storage, and uploads the form field has just checked."""
    if not value or getattr(value, "_committed", True):
        return
    content = getattr(value, "file", value)
    if getattr(content, "imprint_checked", False):
        return
    read_image(content).close()


class SafeImageFormField(forms.ImageField):
    """Checks the upload from its bytes (see ``read_image``), with messages
    that say what is wrong and what the limits are."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        image = read_image(upload)
        upload.content_type = Image.MIME.get(image.format)
        upload.imprint_checked = True
        image.close()
        upload.seek(0)
        return upload

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPT
        return attrs


class SafeImageFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        """Check and re-encode ``content``, then store it under a random name
        with the extension of its real format, and its renditions beside it.
        The uploaded ``name`` is not used: it says nothing reliable."""
        image, data, pillow_format = clean_image(content)
        try:
            super().save(
                f"upload.{ALLOWED_FORMATS[pillow_format]}",
                ContentFile(data),
                save=False,
            )
            renditions = make_renditions(image, pillow_format, self.name, self.storage)
        finally:
            image.close()
        setattr(self.instance, self.field.renditions_attname, renditions)
        if save:
            self.instance.save()


class SafeImageField(models.ImageField):
    """An ImageField whose new uploads are checked from their bytes, stripped
    of metadata, stored under a random name and given renditions, described in
    the model's ``<name>_renditions`` JSON field."""

    attr_class = SafeImageFieldFile
    default_validators = [validate_image_upload]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("upload_to", random_upload_path)
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    @property
    def renditions_attname(self):
        return f"{self.attname}_renditions"

    def pre_save(self, model_instance, add):
        # A new upload is checked and re-encoded in SafeImageFieldFile.save,
        # which FileField.pre_save calls; a ValidationError stops the save.
        file = super().pre_save(model_instance, add)
        if not file and hasattr(model_instance, self.renditions_attname):
            setattr(model_instance, self.renditions_attname, [])
        return file

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SafeImageFormField, **kwargs})


def rendition_url(file, renditions, width):
    """The address of the smallest rendition at least ``width`` pixels wide (WebP
    first), or of the original when there is none: for thumbnails that should
    not load a 10 MB original."""
    candidates = sorted(
        (r for r in renditions or [] if r["width"] >= width and not r.get("original")),
        key=lambda r: (r["width"], r["format"] != "webp"),
    )
    if not candidates:
        return file.url
    return file.storage.url(candidates[0]["name"])
