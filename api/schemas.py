"""The shapes of the API's responses: they make the OpenAPI schema, and every
response is validated against them before it is sent."""

from datetime import date, datetime

from ninja import Schema


class Error(Schema):
    detail: str


class RateLimited(Schema):
    detail: str
    retry_after: int


class Rendition(Schema):
    url: str
    width: int
    height: int
    format: str
    original: bool = False


class Image(Schema):
    url: str
    alt: str
    caption: str = ""
    credit: str
    renditions: list[Rendition]


class Subject(Schema):
    """A region, theme, report or tag as an article names it."""

    slug: str
    name: str
    url: str
    api_url: str


class AuthorRef(Schema):
    slug: str
    name: str
    url: str
    api_url: str


class ArticleSummary(Schema):
    slug: str
    title: str
    standfirst: str
    url: str
    api_url: str
    published_at: datetime
    updated_at: datetime
    authors: list[AuthorRef]
    regions: list[Subject]
    themes: list[Subject]
    tags: list[Subject]
    image: Image | None


class Provenance(Schema):
    outlet: str
    url: str
    published_on: date | None
    is_canonical: bool


class CorrectionOut(Schema):
    kind: str
    label: str
    note: str
    published_at: datetime


class ArticleDetail(ArticleSummary):
    body: str
    reports: list[Subject]
    canonical_url: str
    copyright: str
    is_reprintable: bool
    provenance: Provenance | None
    notices: dict[str, str]
    corrections: list[CorrectionOut]


class ArticlePage(Schema):
    results: list[ArticleSummary]
    next: str | None


class SubjectOut(Schema):
    slug: str
    name: str
    description: str
    url: str
    api_url: str
    articles_url: str


class SubjectPage(Schema):
    results: list[SubjectOut]
    next: str | None


class AuthorOut(Schema):
    slug: str
    name: str
    bio: str
    affiliation: str
    website: str
    links: list[str]
    photo: Image | None
    url: str
    api_url: str
    articles_url: str


class AuthorPage(Schema):
    results: list[AuthorOut]
    next: str | None
