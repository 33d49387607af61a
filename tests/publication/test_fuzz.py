"""No address the root URLconf answers gives a 5xx, whatever fills its parts.

The test walks every URL pattern (the admin's included, and whatever app is
added later), fills each parameter with odd values (digits int() refuses,
numbers too big for a bigint, a NUL, a long string) and with a real object's
id or slug, and asks as a reader and as a superuser: plain, with odd query
strings, with a NUL in a cookie, and as a form POST in charsets Django will not
decode. Any 5xx, or an exception the handler lets through, fails the test.
"""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Authorship, InDepthReport, ReportArticle
from articles.sitemaps import SITEMAPS
from authors.models import Author
from publication.models import Identity, NoticeVersion
from regions.models import Region
from reprints import services
from reprints.models import ContactMessage, ReplyTemplate, ReprintRequest
from reprints.views import SENT_SALT
from themes.models import Theme

ODD_VALUES = [
    "²",
    "¹",
    "٣",  # an Arabic-Indic three: int() takes it, an address should not
    "abc",
    "-1",
    "0",
    "99999999999999999999",
    "\x00",
    "x" * 300,
]
ODD_QUERIES = [
    "?page=²",
    "?page=٣",
    "?q=water&page=¹",
    "?p=¹",
    "?q=%00",
    "?template=abc",
    "?o=²",
]
# Django reads a form body only as UTF-8; an unknown charset is ignored.
REFUSED_CHARSETS = ["utf-16", "latin-1"]
FORM = "application/x-www-form-urlencoded"
ODD_CHARSETS = [*REFUSED_CHARSETS, "bogus"]
NUL_COOKIES = ['sessionid="abc\\000def"', 'csrftoken="abc\\000def"; messages="\\000"']

GROUP = re.compile(r"\(\?P<(?P<name>\w+)>")
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")


def regex_template(regex):
    """A regex pattern as ``"{name}"`` placeholders, and the literal
    alternatives of each group (the admin's ``(?P<app_label>auth|...)``)."""
    template, choices, position = "", {}, 0
    for match in GROUP.finditer(regex):
        template += regex[position : match.start()]
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(regex[end], 0)
            end += 1
        body = regex[match.end() : end - 1]
        if re.fullmatch(r"[\w|-]+", body):
            choices[match["name"]] = body.split("|")
        template += "{" + match["name"] + "}"
        position = end
    template += regex[position:]
    template = template.removeprefix("^").removesuffix("$").replace("\\", "")
    return template, choices


def walk(patterns, prefix="", choices=None, model=None):
    """``(template, choices, model)`` for every URL pattern, where ``model`` is
    the admin's model for the ModelAdmin the pattern belongs to."""
    choices = choices or {}
    for entry in patterns:
        pattern = entry.pattern
        if hasattr(pattern, "_route"):
            template, own = ROUTE_PARAMETER.sub(r"{\g<name>}", pattern._route), {}
        else:
            template, own = regex_template(pattern._regex)
        here = prefix + template
        if isinstance(entry, URLResolver):
            inner_model = model
            for registered in admin.site._registry:
                opts = registered._meta
                if here == f"admin/{opts.app_label}/{opts.model_name}/":
                    inner_model = registered
            yield from walk(entry.url_patterns, here, {**choices, **own}, inner_model)
        elif isinstance(entry, URLPattern):
            yield here, {**choices, **own}, model


@pytest.fixture
def site(db):
    now = timezone.now()
    region = Region.objects.create(name="Sahel", slug="sahel")
    theme = Theme.objects.create(name="Water", slug="water")
    author = Author.objects.create(name="Ada Writer", slug="ada-writer")
    article = Article.objects.create(
        title="Water in the Sahel",
        slug="water-in-the-sahel",
        body="<p>Body.</p>",
        status=Article.Status.PUBLISHED,
        publish_at=now - timedelta(days=1),
    )
    Authorship.objects.create(article=article, author=author, position=0)
    article.regions.set([region])
    article.themes.set([theme])
    article.tags.set(["drought"])
    report = InDepthReport.objects.create(title="Dry years", slug="dry-years")
    ReportArticle.objects.create(report=report, article=article, position=0)
    Identity.objects.create(name="Imprint Review", reprint_emails="r@example.org")
    NoticeVersion.objects.create(
        kind=NoticeVersion.Kind.REPRINT_TERMS, body="<p>Credit us.</p>"
    )
    request_fields = {
        "article": article,
        "name": "Bea Reader",
        "email": "bea@outlet.example",
        "organisation": "Outlet Weekly",
        "outlet_url": "https://outlet.example/",
        "medium": "website",
        "language": "French",
        "intended_date": timezone.localdate() + timedelta(days=7),
        "message": "We would love to.",
        "idempotency_token": "fuzz-request",
    }
    reprint = services.submit_reprint_request(request_fields)
    contact = services.submit_contact_message(
        {
            "topic": ContactMessage.Topic.values[0],
            "name": "Carl Press",
            "email": "carl@news.example",
            "organisation": "",
            "subject": "Interview",
            "message": "Could we talk?",
            "idempotency_token": "fuzz-contact",
        }
    )
    ReplyTemplate.objects.create(
        kind=ReplyTemplate.Kind.APPROVE, name="Yes", subject="Yes", body="Yes."
    )
    superuser = User.objects.create_superuser("root", "root@example.org", "pw")
    _event, grant = services.decide(
        reprint,
        ReprintRequest.Status.APPROVED,
        actor=superuser,
        subject="Yes",
        body="Yes.",
        expires_at=now + timedelta(days=30),
    )
    signer = signing.Signer(salt=SENT_SALT)
    return {
        "slug": [
            article.slug,
            region.slug,
            theme.slug,
            author.slug,
            report.slug,
            Tag.objects.get().slug,
        ],
        "signed": [signer.sign(reprint.reference), signer.sign(contact.reference)],
        "code": [grant.code],
        "section": list(SITEMAPS),
        "content_type_id": [str(ContentType.objects.get_for_model(Article).pk)],
        "superuser": superuser,
        "reprint": reprint,
    }


def fill(template, values):
    return "/" + template.format(**{k: quote(v, safe="") for k, v in values.items()})


def good_values(template, choices, model, site, client):
    """A value for each parameter that reaches a real page, where there is one."""
    names = [name for _, name, _, _ in _fields(template) if name]
    values = {}
    for name in names:
        if name in choices:
            values[name] = choices[name][0]
        elif name == "object_id" and model is not None:
            obj = model._default_manager.order_by("pk").first()
            values[name] = str(obj.pk) if obj else "1"
        elif name == "object_id":
            values[name] = str(Article.objects.get().pk)
        else:
            values[name] = site.get(name, ["x"])[0]
    for name in names:
        # A slug, a signed reference: the first candidate the pattern answers.
        for candidate in site.get(name, []):
            trial = fill(template, {**values, name: candidate})
            if client.get(trial).status_code < 400:
                values[name] = candidate
                break
    return values


def _fields(template):
    import string

    return list(string.Formatter().parse(template))


def patterns():
    return list(walk(get_resolver().url_patterns))


def test_the_walk_reaches_every_kind_of_pattern():
    templates = [template for template, _, _ in patterns()]
    assert "regions/{slug}/" in templates
    assert "admin/reprints/reprintrequest/{object_id}/approve/" in templates
    assert "admin/{app_label}/" in templates
    assert len(templates) > 100


@pytest.mark.django_db(transaction=True)
def test_no_request_gives_a_server_error(site, settings):
    settings.AXES_ENABLED = False
    # CSRF checks on, with a cookie, as in production: CsrfViewMiddleware then
    # reads the body of every POST (the test client otherwise skips that).
    anonymous = Client(raise_request_exception=False, enforce_csrf_checks=True)
    anonymous.cookies["csrftoken"] = "a" * 32
    staff = Client(raise_request_exception=False)
    staff.force_login(site["superuser"])
    failures = []
    answered = {"anonymous": set(), "staff": set()}

    def check(client, method, url, **extra):
        who = "staff" if client is staff else "anonymous"
        try:
            response = client.generic(method, url, **extra)
        except Exception as error:  # noqa: BLE001 - every escape is a failure
            failures.append((who, method, url, repr(error)))
            return
        if response.status_code >= 500:
            failures.append((who, method, url, response.status_code))
        elif response.status_code == 200:
            answered[who].add(url)

    for template, choices, model in patterns():
        names = [name for _, name, _, _ in _fields(template) if name]
        good = good_values(template, choices, model, site, staff)
        urls = [fill(template, good)]
        for name in names:
            urls += [fill(template, {**good, name: odd}) for odd in ODD_VALUES]
        # A POST to /admin/logout/ logs out: sign in again for every pattern.
        staff.force_login(site["superuser"])
        for client in (anonymous, staff):
            for url in urls:
                check(client, "GET", url)
            for query in ODD_QUERIES:
                check(client, "GET", urls[0] + query)
            for charset in ODD_CHARSETS:
                if client is staff and charset not in REFUSED_CHARSETS:
                    continue  # a body Django reads would delete, log out, ...
                check(
                    client,
                    "POST",
                    urls[0],
                    data=b"name=%C3%A9&page=%C2%B2",
                    content_type=f"{FORM}; charset={charset}",
                )
        for cookie in NUL_COOKIES:
            check(anonymous, "GET", urls[0], headers={"cookie": cookie})
    assert not failures, "\n".join(map(str, failures))
    # The walk reached real pages, the admin's among them, as both users.
    assert "/regions/sahel/" in answered["anonymous"]
    approve = f"/admin/reprints/reprintrequest/{site['reprint'].pk}/approve/"
    assert approve in answered["staff"]
    assert len(answered["staff"]) > 100


def test_the_fill_reaches_real_objects(site):
    staff = Client()
    staff.force_login(site["superuser"])
    template = "admin/reprints/reprintrequest/{object_id}/approve/"
    model = ReprintRequest
    values = good_values(template, {}, model, site, staff)
    assert staff.get(fill(template, values)).status_code == 200
    values = good_values("regions/{slug}/", {}, None, site, staff)
    assert values == {"slug": "sahel"}
