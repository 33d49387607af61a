"""Addresses remembered (``publication.links``) are those ``reverse()`` gives."""

from django.urls import reverse, set_script_prefix

from publication import links


def test_an_address_is_what_reverse_gives():
    assert links.address("articles:author", slug="ada") == reverse(
        "articles:author", kwargs={"slug": "ada"}
    )


def test_each_script_prefix_has_its_own_addresses():
    assert links.address("articles:author", slug="ada") == "/authors/ada/"
    set_script_prefix("/review/")
    try:
        assert links.address("articles:author", slug="ada") == "/review/authors/ada/"
    finally:
        set_script_prefix("/")
    assert links.address("articles:author", slug="ada") == "/authors/ada/"


def test_a_new_urlconf_forgets_them(settings):
    links.address("articles:author", slug="ada")
    assert links._reverse.cache_info().currsize
    settings.ROOT_URLCONF = "benchmarks.load_urls"
    assert links._reverse.cache_info().currsize == 0


def test_the_template_tag_gives_the_same_addresses():
    from django.template import Context, Template

    rendered = Template(
        "{% load reader %}{% address 'articles:home' %} "
        "{% address 'articles:tag' 'rivers' as tag %}{{ tag }}"
    ).render(Context())
    tag = reverse("articles:tag", args=["rivers"])
    assert rendered == f"{reverse('articles:home')} {tag}"
