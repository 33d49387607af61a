"""Image files for tests, made in memory with Pillow (or by hand, for the
broken and hostile ones)."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


def make_image_bytes(format="JPEG", size=(64, 48), exif_gps=False, orientation=None):
    """An image with a gradient (so it compresses like a photo, a little).

    ``exif_gps`` adds a GPS position and a camera model to the EXIF data;
    ``orientation`` sets the EXIF orientation tag (6: turn 90° clockwise).
    """
    mode = "RGBA" if format in ("PNG", "WEBP") else "RGB"
    corners = Image.new(mode, (2, 2))
    corners.putdata(
        [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255), (255, 255, 0, 255)]
        if mode == "RGBA"
        else [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    )
    image = corners.resize(size, Image.Resampling.BILINEAR)
    if format == "GIF":
        image = image.convert("P")
    exif = Image.Exif()
    if exif_gps:
        exif[ExifTags.Base.Model] = "Test Camera"
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
        }
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    params = {"exif": exif.tobytes()} if len(exif) else {}
    image.save(buffer, format, **params)
    return buffer.getvalue()


def make_upload(name="photo.jpg", format="JPEG", **kwargs):
    """A browser upload of a real image (the name need not match the format)."""
    return SimpleUploadedFile(
        name,
        make_image_bytes(format=format, **kwargs),
        content_type=CONTENT_TYPES[format],
    )


def _png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb_bytes(width=20_000, height=20_000):
    """A tiny PNG whose header declares ``width`` × ``height`` pixels: decoding
    it would need gigabytes of memory."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


SVG_BYTES = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width="
    b'"10" height="10"/></svg>\n'
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
