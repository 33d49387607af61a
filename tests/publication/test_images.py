import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template import Context, Template
from PIL import ExifTags

from articles.models import Article, InDepthReport
from authors.models import Author
from publication.images import SafeImageFormField
from tests.factories_images import (
    PDF_BYTES,
    SVG_BYTES,
    make_image_bytes,
    make_upload,
    png_bomb_bytes,
)

# The database cache is cleared after each test, so every test needs the db.
pytestmark = pytest.mark.django_db

NAME = re.compile(r"^images/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|webp|gif)$")


def form_error(upload):
    with pytest.raises(ValidationError) as caught:
        SafeImageFormField().clean(upload)
    return caught.value.messages[0]


def article(**kwargs):
    return Article(
        title="Rivers",
        slug="rivers",
        image_alt="A river",
        image_credit="Jo Photographer",
        **kwargs,
    )


# Refusals, with the reason


def test_decompression_bomb_is_refused_before_decoding():
    bomb = SimpleUploadedFile("map.png", png_bomb_bytes(20_000, 20_000))
    message = form_error(bomb)
    assert "20000 × 20000 pixels" in message
    assert "the limit is 40 megapixels" in message


def test_image_over_the_pixel_limit_names_the_limit(settings):
    # Declares 48 megapixels but holds almost no data: decoding it would fail
    # as damaged, so the pixel message shows the header alone was read.
    big = SimpleUploadedFile("big.png", png_bomb_bytes(8000, 6000))
    assert "(48 megapixels); the limit is 40 megapixels" in form_error(big)


def test_renamed_pdf_is_refused():
    message = form_error(SimpleUploadedFile("photo.jpg", PDF_BYTES, "image/jpeg"))
    assert message == (
        "Upload a JPEG, PNG, WebP or GIF image; this file is a PDF document."
    )


def test_renamed_text_file_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"just some text\n", "image/jpeg")
    assert form_error(upload) == (
        "Upload a JPEG, PNG, WebP or GIF image; this file is not an image."
    )


def test_svg_is_refused():
    upload = SimpleUploadedFile("logo.svg", SVG_BYTES, "image/svg+xml")
    assert form_error(upload) == (
        "Upload a JPEG, PNG, WebP or GIF image; this file is an SVG drawing."
    )


def test_other_image_formats_are_refused():
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "BMP")
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")
    assert "this file is an image in BMP format" in form_error(upload)


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.IMAGE_MAX_BYTES = 1024
    upload = make_upload(size=(400, 300))
    assert upload.size > 1024
    message = form_error(upload)
    assert re.fullmatch(r"This file is [\d.]+ KB; the limit is 1 KB\.", message)


def test_limit_is_named_in_megabytes(settings):
    settings.IMAGE_MAX_BYTES = 10 * 1024 * 1024
    upload = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + b"\0" * 12_900_000)
    assert form_error(upload) == "This file is 12.3 MB; the limit is 10 MB."


def test_truncated_image_is_refused():
    data = make_image_bytes(size=(300, 200))
    upload = SimpleUploadedFile("photo.jpg", data[: len(data) // 2])
    assert form_error(upload).startswith("This image is damaged or incomplete.")


def test_save_refuses_a_bad_file_outside_forms():
    """The shell and importers cannot skip the checks."""
    entry = article(featured_image=ContentFile(SVG_BYTES, name="logo.png"))
    with (
        pytest.raises(ValidationError, match="this file is an SVG drawing"),
        transaction.atomic(),
    ):
        entry.save()
    assert not Article.objects.exists()
    assert not default_storage.exists("images")


def test_field_file_save_refuses_a_bad_file(author):
    with pytest.raises(ValidationError, match="not an image"):
        author.photo.save("me.jpg", ContentFile(b"not really"))


def test_full_clean_reports_the_field():
    entry = article(featured_image=ContentFile(PDF_BYTES, name="x.jpg"))
    with pytest.raises(ValidationError) as caught:
        entry.full_clean()
    assert "featured_image" in caught.value.message_dict


# What is stored


def test_gps_and_other_exif_are_removed(open_stored):
    upload = make_upload(size=(800, 600), exif_gps=True)
    entry = article(featured_image=upload)
    entry.save()
    stored = open_stored(entry.featured_image.name)
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in stored.info
    for rendition in entry.featured_image_renditions:
        assert len(open_stored(rendition["name"]).getexif()) == 0


def test_exif_orientation_is_applied(open_stored):
    upload = make_upload(size=(400, 200), orientation=6)
    entry = article(featured_image=upload)
    entry.save()
    assert open_stored(entry.featured_image.name).size == (200, 400)


def test_stored_name_is_random_and_follows_the_detected_format(open_stored):
    # A PNG that claims to be a JPEG is stored as what it is.
    first = article(featured_image=make_upload("x.jpg", format="PNG"))
    first.save()
    second = Author(name="B", slug="b", photo=make_upload("x.jpg", format="PNG"))
    second.save()
    assert NAME.match(first.featured_image.name)
    assert first.featured_image.name.endswith(".png")
    assert "x" not in first.featured_image.name.rsplit("/", 1)[1].split(".")[0]
    assert first.featured_image.name != second.photo.name
    assert open_stored(first.featured_image.name).format == "PNG"


def test_renditions_in_webp_and_the_original_format(jpeg_upload, open_stored):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    entry.refresh_from_db()
    renditions = entry.featured_image_renditions
    original, *smaller = renditions
    assert original == {
        "name": entry.featured_image.name,
        "width": 2000,
        "height": 1000,
        "format": "jpeg",
        "original": True,
    }
    widths = [320, 640, 960, 1280, 1600]
    assert [r["width"] for r in smaller if r["format"] == "webp"] == widths
    assert [r["width"] for r in smaller if r["format"] == "jpeg"] == widths
    stem = entry.featured_image.name.removesuffix(".jpg")
    for rendition in smaller:
        extension = {"webp": "webp", "jpeg": "jpg"}[rendition["format"]]
        assert rendition["name"] == f"{stem}-{rendition['width']}.{extension}"
        assert rendition["height"] == rendition["width"] // 2
        image = open_stored(rendition["name"])
        assert image.format == rendition["format"].upper()
        assert image.size == (rendition["width"], rendition["height"])


def test_renditions_are_never_wider_than_the_original():
    entry = article(featured_image=make_upload(size=(700, 350)))
    entry.save()
    widths = {r["width"] for r in entry.featured_image_renditions}
    assert widths == {320, 640, 700}


def test_gif_gets_png_renditions(open_stored):
    report = InDepthReport(
        title="Maps",
        slug="maps",
        image=make_upload("map.gif", format="GIF", size=(500, 300)),
        image_credit="Cartographer",
    )
    report.save()
    assert report.image.name.endswith(".gif")
    assert open_stored(report.image.name).format == "GIF"
    formats = {(r["format"], r["width"]) for r in report.image_renditions[1:]}
    assert formats == {("webp", 320), ("png", 320), ("webp", 500), ("png", 500)}


def test_webp_original_gets_webp_renditions_only():
    author = Author(
        name="C", slug="c", photo=make_upload("c.webp", format="WEBP", size=(400, 400))
    )
    author.save()
    assert author.photo.name.endswith(".webp")
    assert {r["format"] for r in author.photo_renditions} == {"webp"}


def test_saving_again_does_not_reprocess(jpeg_upload):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    name, renditions = entry.featured_image.name, entry.featured_image_renditions
    entry.title = "Rivers and lakes"
    entry.save()
    entry.refresh_from_db()
    assert entry.featured_image.name == name
    assert entry.featured_image_renditions == renditions


def test_clearing_the_image_empties_the_renditions(jpeg_upload):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    entry.featured_image = None
    entry.save()
    entry.refresh_from_db()
    assert entry.featured_image_renditions == []


# The template tag


def render(obj, arguments=""):
    template = Template(
        "{% load imprint_images %}"
        '{% responsive_image obj "featured_image" ' + arguments + " %}"
    )
    return template.render(Context({"obj": obj}))


def test_tag_renders_picture_with_srcset(jpeg_upload, django_assert_num_queries):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    entry = Article.objects.get(pk=entry.pk)
    stem = "/media/" + entry.featured_image.name.removesuffix(".jpg")
    with django_assert_num_queries(0):
        html = render(entry, 'sizes="(min-width: 48rem) 46rem, 100vw"')
    webp = ", ".join(f"{stem}-{w}.webp {w}w" for w in (320, 640, 960, 1280, 1600))
    jpeg = ", ".join(f"{stem}-{w}.jpg {w}w" for w in (320, 640, 960, 1280, 1600))
    sizes = 'sizes="(min-width: 48rem) 46rem, 100vw"'
    assert html.startswith("<picture>") and html.strip().endswith("</picture>")
    assert f'<source type="image/webp" srcset="{webp}" {sizes}>' in html
    assert f'<img src="{stem}-1600.jpg" srcset="{jpeg}" {sizes}' in html
    assert 'width="1600" height="800" alt="A river" loading="lazy"' in html
    assert 'decoding="async"' in html
    assert "fetchpriority" not in html


def test_tag_for_the_lead_image(jpeg_upload):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    html = render(entry, 'loading="eager" fetchpriority="high" alt="" css_class="lead"')
    assert 'alt="" loading="eager" decoding="async" fetchpriority="high"' in html
    assert 'class="lead"' in html


def test_tag_escapes_alt_text(jpeg_upload):
    entry = article(featured_image=jpeg_upload)
    entry.image_alt = 'A "river" <b>'
    entry.save()
    assert 'alt="A &quot;river&quot; &lt;b&gt;"' in render(entry)


def test_tag_falls_back_to_the_original_without_renditions(jpeg_upload):
    entry = article(featured_image=jpeg_upload)
    entry.save()
    Article.objects.filter(pk=entry.pk).update(featured_image_renditions=[])
    entry.refresh_from_db()
    html = render(entry).strip()
    assert html == (
        f'<img src="/media/{entry.featured_image.name}" alt="A river" '
        'loading="lazy" decoding="async">'
    )


def test_tag_renders_nothing_without_an_image():
    assert render(article()).strip() == ""


# The admin


def admin_form_data(response, **overrides):
    """The add form's fields as the browser would send them, management forms
    of the inlines included."""
    data = {}
    form = response.context["adminform"].form
    for bound in form:
        if bound.field.widget.is_hidden or hasattr(bound.field.widget, "widgets"):
            continue
        value = bound.value()
        if value in (None, False, ""):
            continue
        data[bound.html_name] = "on" if value is True else value
    for inline in response.context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    data.update(overrides)
    return data


def test_admin_shows_the_error_next_to_the_field(admin_client, author):
    url = "/admin/articles/article/add/"
    data = admin_form_data(
        admin_client.get(url),
        title="Rivers",
        slug="rivers",
        status="draft",
        image_alt="A river",
        image_credit="Jo Photographer",
        **{
            "authorships-TOTAL_FORMS": "1",
            "authorships-0-author": str(author.pk),
            "authorships-0-position": "0",
        },
        featured_image=SimpleUploadedFile("photo.jpg", PDF_BYTES, "image/jpeg"),
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["featured_image"] == [
        "Upload a JPEG, PNG, WebP or GIF image; this file is a PDF document."
    ]
    assert "this file is a PDF document." in response.text
    assert not Article.objects.exists()

    data["featured_image"] = make_upload(size=(700, 350), exif_gps=True)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Article.objects.get()
    assert NAME.match(saved.featured_image.name)
    assert len(saved.featured_image_renditions) == 7


def test_form_field_accepts_only_the_allowed_types():
    html = SafeImageFormField().widget.render("image", None)
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in html


def jpeg_bytes(mode, colour, **params):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new(mode, (400, 300), colour).save(buffer, "JPEG", **params)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["cmyk", "rgb with profile"])
def test_colours_are_converted_to_srgb_and_the_profile_dropped(kind, open_stored):
    from PIL import ImageCms

    if kind == "cmyk":
        data = jpeg_bytes("CMYK", (0, 255, 255, 0))
    else:
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        data = jpeg_bytes("RGB", (200, 30, 30), icc_profile=srgb.tobytes())
    entry = article(featured_image=ContentFile(data, name="x.jpg"))
    entry.save()
    stored = open_stored(entry.featured_image.name)
    assert stored.mode == "RGB"
    assert "icc_profile" not in stored.info
    red, green, blue = stored.getpixel((10, 10))
    assert red > 180 and green < 60 and blue < 60
