"""``{% responsive_image %}``: an uploaded image as ``<picture>`` with WebP and
fallback ``srcset``, from the renditions stored beside it (no queries, no file
access)."""

from django import template

register = template.Library()

LOADING = {"lazy", "eager"}
FETCH_PRIORITY = {"", "high", "low", "auto"}


def _srcset(storage, renditions):
    return ", ".join(f"{storage.url(r['name'])} {r['width']}w" for r in renditions)


@register.inclusion_tag("includes/responsive_image.html")
def responsive_image(
    obj,
    field_name,
    alt=None,
    sizes="100vw",
    loading="lazy",
    css_class="",
    fetchpriority="",
):
    """Render ``obj.<field_name>`` for any width of screen.

    ``sizes`` tells the browser how wide the image is shown; ``alt`` defaults
    to ``obj.image_alt`` (pass ``alt=""`` for a decorative image). For the
    image at the top of a page pass ``loading="eager" fetchpriority="high"``.
    Without renditions (rows loaded in bulk) the original is shown as it is.
    """
    if loading not in LOADING:
        raise template.TemplateSyntaxError(f"loading must be one of {LOADING}")
    if fetchpriority not in FETCH_PRIORITY:
        raise template.TemplateSyntaxError(
            f"fetchpriority must be one of {FETCH_PRIORITY}"
        )
    file = getattr(obj, field_name, None) if obj is not None else None
    context = {
        "file": file,
        "alt": getattr(obj, "image_alt", "") if alt is None else alt,
        "sizes": sizes,
        "loading": loading,
        "css_class": css_class,
        "fetchpriority": fetchpriority,
    }
    if not file:
        return context
    renditions = [
        rendition
        for rendition in getattr(obj, f"{file.field.attname}_renditions", None) or []
        if not rendition.get("original")
    ]
    if not renditions:
        return context
    renditions.sort(key=lambda r: r["width"])
    webp = [r for r in renditions if r["format"] == "webp"]
    fallback = [r for r in renditions if r["format"] != "webp"]
    if not fallback:
        # The original was a WebP: no other format to offer.
        fallback, webp = webp, []
    largest = fallback[-1]
    storage = file.storage
    context.update(
        src=storage.url(largest["name"]),
        srcset=_srcset(storage, fallback),
        webp_srcset=_srcset(storage, webp),
        width=largest["width"],
        height=largest["height"],
    )
    return context
