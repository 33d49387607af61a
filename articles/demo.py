"""Demo content: a plausible research publication made up from word lists.

Everything is generated here (no copied text) and deterministic: the same seed
gives the same publication. ``load_demo`` makes the illustrated set (regions,
themes, authors with photos, reports, 60 articles with images); ``load_bulk``
makes any number of plain articles with ``bulk_create`` for load testing.
Both skip what already exists (matched by slug), so running them again changes
nothing.
"""

import io
import math
import random
import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from taggit.models import Tag

from authors.models import Author
from regions.models import Region
from themes.models import Theme

from .models import Article, Authorship, InDepthReport, ReportArticle, TaggedArticle

DEFAULT_SEED = 2024
DEMO_ARTICLES = 60
IMAGE_CREDIT = "Illustration: Imprint demo"

REGIONS = [
    "East Africa",
    "West Africa",
    "South Asia",
    "Southeast Asia",
    "Central Asia",
    "Andean Countries",
    "Western Balkans",
    "Pacific Islands",
]
THEMES = [
    "Water",
    "Energy",
    "Migration",
    "Trade",
    "Public Health",
    "Governance",
    "Climate",
    "Food Security",
    "Cities",
    "Education",
]
TAGS = [
    "census",
    "elections",
    "drought",
    "fisheries",
    "remittances",
    "microfinance",
    "vaccination",
    "land rights",
    "mining",
    "hydropower",
    "ports",
    "informal work",
    "youth",
    "gender",
    "decentralisation",
    "subsidies",
    "floods",
    "public debt",
    "schools",
    "border trade",
    "solar",
    "housing",
    "courts",
    "statistics",
    "field notes",
]
REPORTS = [
    (
        "Rivers Under Pressure",
        "How dams, drought and demand are changing who gets water.",
    ),
    (
        "Work After the Boom",
        "What happens to jobs and wages when a commodity boom ends.",
    ),
    (
        "Counting People",
        "Censuses, registers and surveys, and the politics of being counted.",
    ),
]
FIRST_NAMES = [
    "Amina", "Tomas", "Leila", "Kofi", "Ines", "Rahul", "Marta", "Jonas",
    "Nadia", "Pedro", "Yuki", "Selin", "Daniel", "Farah", "Lucas", "Anya",
]  # fmt: skip
LAST_NAMES = [
    "Varga", "Mendoza", "Osei", "Haddad", "Lindqvist", "Moreau", "Tanaka",
    "Kowal", "Ndiaye", "Perera", "Brandt", "Castillo", "Rahimi", "Novak",
]  # fmt: skip
INSTITUTIONS = [
    "Institute for Comparative Policy",
    "Centre for Water and Society, University of Eastbridge",
    "Graduate School of Development Studies, Northvale",
    "Observatory on Migration and Labour",
    "Department of Economics, University of Westmarch",
    "Foundation for Public Health Research",
]
ROLES = ["Senior Fellow", "Research Associate", "Professor", "Lecturer", "Director"]
OUTLETS = [
    ("The Harbour Review", "harbour-review.example"),
    ("Northern Policy Quarterly", "npq.example"),
    ("Meridian Weekly", "meridian.example"),
    ("The Commons Journal", "commons-journal.example"),
]

SUBJECTS = [
    "the latest household survey", "provincial budget data", "satellite imagery",
    "a round of interviews with officials", "the national census", "the court record",
    "the customs record", "a decade of field notes", "new administrative data",
    "an independent audit", "a price series from rural markets", "a clinic register",
]  # fmt: skip
VERBS = [
    "suggests", "points to", "reveals", "confirms", "complicates the story of",
    "casts doubt on", "adds detail to", "underlines", "documents",
]  # fmt: skip
CHANGES = [
    "a steady decline in", "uneven access to", "growing pressure on",
    "a quiet recovery of", "sharp seasonal swings in", "rising spending on",
    "persistent gaps in", "the slow privatisation of", "new competition for",
]  # fmt: skip
NOUNS = [
    "groundwater", "public credit", "secondary schooling", "grid electricity",
    "seasonal labour", "primary care", "river transport", "municipal revenue",
    "irrigation", "small-scale fishing", "urban housing", "cross-border trade",
    "local courts", "vaccination coverage", "land titles", "food prices",
]  # fmt: skip
GROUPS = [
    "urban and rural households", "large and small farms", "men and women",
    "migrants and long-term residents", "public and private schools",
    "coastal and inland districts", "young and older workers",
]  # fmt: skip
QUALIFIERS = [
    "over the past decade", "in most districts", "despite official targets",
    "since the last election", "in the poorest provinces", "along the border",
    "during the dry season", "after the reform", "at a modest cost",
]  # fmt: skip
CONNECTORS = [
    "However,", "At the same time,", "In practice,", "By contrast,", "Moreover,",
    "Even so,", "Put simply,", "As a result,", "In several cases,",
]  # fmt: skip
CLAIMS = [
    "policy has followed the money rather than the need",
    "the official figures understate the change",
    "local institutions matter more than national plans",
    "the benefits have reached fewer people than promised",
    "the costs fall mostly on those with the least say",
    "the evidence is stronger than the debate suggests",
    "small design choices had large effects",
]  # fmt: skip
HEADINGS = [
    "Background", "What the data show", "A closer look at {noun}",
    "Why {noun} matters", "The view from {region}", "Winners and losers",
    "What comes next", "A note on method", "Lessons for policy",
    "The limits of the evidence", "Counting {noun}",
]  # fmt: skip
TITLES = [
    "{Noun} and {noun} in {region}",
    "Why {noun} matters for {theme}",
    "The politics of {noun} in {region}",
    "What {region} can teach us about {noun}",
    "{Noun} after the reform",
    "Rethinking {noun}: evidence from {region}",
    "Who pays for {noun}?",
    "The hidden costs of {noun}",
    "{Noun}, {noun} and the state",
    "A quiet revolution in {noun}",
    "Counting {noun} in {region}",
    "The long road to better {noun}",
    "{Noun} in an age of {noun}",
    "How {region} rebuilt {noun}",
    "The unfinished reform of {noun}",
    "Mapping {noun} across {region}",
]  # fmt: skip

TAG_RE = re.compile(r"<[^>]+>")
PLACEHOLDER_RE = re.compile(r"\{(noun|Noun|region|theme)\}")


def word_count(html):
    return len(TAG_RE.sub(" ", html).split())


class Writer:
    """Plausible, neutral research prose from the word lists above."""

    def __init__(self, rng, region="the region", theme="policy"):
        self.rng = rng
        self.region = region
        self.theme = theme.lower()

    def pick(self, words):
        return self.rng.choice(words)

    def fill(self, template):
        """Replace each {noun}/{Noun} with its own noun, {region} and {theme}."""

        def replace(match):
            key = match.group(1)
            if key == "region":
                return self.region
            if key == "theme":
                return self.theme
            noun = self.pick(NOUNS)
            return noun[0].upper() + noun[1:] if key == "Noun" else noun

        return PLACEHOLDER_RE.sub(replace, template)

    def title(self):
        return self.fill(self.pick(TITLES))

    def sentence(self):
        kind = self.rng.randrange(6)
        if kind == 0:
            text = (
                f"{self.pick(SUBJECTS)} {self.pick(VERBS)} {self.pick(CHANGES)} "
                f"{self.pick(NOUNS)} {self.pick(QUALIFIERS)}."
            )
        elif kind == 1:
            text = (
                f"{self.pick(CONNECTORS)} the gap between {self.pick(GROUPS)} "
                f"has {self.pick(['widened', 'narrowed', 'barely moved'])} "
                f"{self.pick(QUALIFIERS)}."
            )
        elif kind == 2:
            text = (
                f"In {self.region}, {self.pick(SUBJECTS)} suggests that "
                f"{self.pick(CLAIMS)}."
            )
        elif kind == 3:
            share = self.rng.randint(8, 72)
            text = (
                f"Roughly {share} per cent of respondents reported "
                f"{self.pick(CHANGES)} {self.pick(NOUNS)}, "
                f"{self.pick(['up from', 'down from', 'against'])} "
                f"{self.rng.randint(5, 80)} per cent a few years earlier."
            )
        elif kind == 4:
            text = (
                f"{self.pick(CONNECTORS)} debates about {self.theme} rarely "
                f"mention {self.pick(NOUNS)}, although {self.pick(CLAIMS)}."
            )
        else:
            text = (
                f"Researchers working on {self.pick(NOUNS)} argue that "
                f"{self.pick(CLAIMS)}, {self.pick(QUALIFIERS)}."
            )
        return text[0].upper() + text[1:]

    def emphasise(self, sentence):
        """Now and then, bold or italicise one phrase of a sentence."""
        roll = self.rng.random()
        if roll < 0.08:
            for noun in NOUNS:
                if noun in sentence:
                    return sentence.replace(noun, f"<strong>{noun}</strong>", 1)
        elif roll < 0.14:
            for qualifier in QUALIFIERS:
                if qualifier in sentence:
                    return sentence.replace(qualifier, f"<em>{qualifier}</em>", 1)
        return sentence

    def link_sentence(self):
        noun = self.pick(NOUNS)
        slug = slugify(noun)
        return (
            f"The underlying figures on {noun} are published in "
            f'<a href="https://example.org/data/{slug}">a public dataset</a>.'
        )

    def body(self, min_words=800, max_words=1500, links=2, quote=True):
        """Sections under h2 headings until the text reaches a length between
        ``min_words`` and ``max_words``."""
        target = self.rng.randint(min_words + 50, max_words - 60)
        parts, words = [], 0
        # Spread the links over the paragraphs a body of this length will have.
        paragraphs = max(links, min_words // 110)
        link_at = set(self.rng.sample(range(paragraphs), links))
        quote_at = self.rng.randint(2, 5) if quote else None
        paragraph_number = 0
        while words < target:
            if paragraph_number % self.rng.randint(3, 5) == 0:
                heading = self.fill(self.pick(HEADINGS))
                parts.append(f"<h2>{heading}</h2>")
                words += len(heading.split())
            sentences = []
            for _ in range(self.rng.randint(4, 7)):
                sentence = self.emphasise(self.sentence())
                sentence_words = word_count(sentence)
                if words + sentence_words > max_words - 10:
                    break
                sentences.append(sentence)
                words += sentence_words
                if words >= target:
                    break
            if paragraph_number in link_at and words < max_words - 20:
                sentence = self.link_sentence()
                sentences.append(sentence)
                words += word_count(sentence)
            if not sentences:
                break
            parts.append(f"<p>{' '.join(sentences)}</p>")
            if paragraph_number == quote_at and words < max_words - 40:
                quoted = self.pick(CLAIMS)
                text = f"“{quoted[0].upper()}{quoted[1:]}.”"
                parts.append(f"<blockquote><p>{text}</p></blockquote>")
                words += len(text.split())
            paragraph_number += 1
        return "".join(parts)

    def standfirst(self):
        return f"{self.sentence()} {self.sentence()}"


# Images ---------------------------------------------------------------------

PALETTES = [
    ((18, 52, 86), (94, 160, 170), (240, 200, 120)),
    ((60, 30, 70), (200, 90, 90), (250, 220, 180)),
    ((20, 70, 50), (120, 180, 110), (235, 240, 200)),
    ((40, 40, 60), (110, 120, 190), (250, 170, 90)),
    ((90, 40, 20), (210, 140, 60), (245, 230, 200)),
]


def _jpeg(image):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def draw_illustration(rng, size=(1600, 900)):
    """An abstract picture: a gradient with soft circles and bands."""
    width, height = size
    dark, middle, light = rng.choice(PALETTES)
    mask = Image.linear_gradient("L").rotate(rng.choice([0, 90, 180, 270]))
    image = Image.composite(
        Image.new("RGB", size, light),
        Image.new("RGB", size, dark),
        mask.resize(size),
    )
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(4, 9)):
        radius = rng.randint(height // 10, height // 2)
        x, y = rng.randint(0, width), rng.randint(0, height)
        colour = rng.choice([dark, middle, light])
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=(*colour, rng.randint(60, 150)),
        )
    for _ in range(rng.randint(2, 4)):
        y = rng.randint(0, height)
        slope = math.tan(math.radians(rng.uniform(-20, 20))) * width
        thickness = rng.randint(20, 90)
        draw.polygon(
            [
                (0, y),
                (width, y + slope),
                (width, y + slope + thickness),
                (0, y + thickness),
            ],
            fill=(*middle, rng.randint(50, 120)),
        )
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    return _jpeg(image.filter(ImageFilter.GaussianBlur(2)).convert("RGB"))


def draw_portrait(initials, rng, size=600):
    """A square with the author's initials, in place of a photo."""
    dark, middle, light = rng.choice(PALETTES)
    image = Image.new("RGB", (size, size), middle)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.1, size * 0.1, size * 0.9, size * 0.9), fill=dark)
    font = ImageFont.load_default(size=size // 3)
    draw.text((size / 2, size / 2), initials, fill=light, font=font, anchor="mm")
    return _jpeg(image)


# Loading ----------------------------------------------------------------------


def _taxonomy(model, names, describe):
    objects = []
    for position, name in enumerate(names):
        obj, _created = model.objects.get_or_create(
            slug=slugify(name),
            defaults={
                "name": name,
                "position": position,
                "description": describe(name),
            },
        )
        objects.append(obj)
    return objects


def load_taxonomies(seed=DEFAULT_SEED):
    rng = random.Random(f"{seed}-taxonomies")
    writer = Writer(rng)
    regions = _taxonomy(
        Region,
        REGIONS,
        lambda name: f"Research and analysis from {name}. {writer.sentence()}",
    )
    themes = _taxonomy(
        Theme,
        THEMES,
        lambda name: f"Articles on {name.lower()}. {writer.sentence()}",
    )
    return regions, themes


def author_names(seed=DEFAULT_SEED, count=12):
    rng = random.Random(f"{seed}-authors")
    firsts = rng.sample(FIRST_NAMES, count)
    lasts = rng.sample(LAST_NAMES, count)
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def load_authors(seed=DEFAULT_SEED, images=True):
    authors = []
    for index, name in enumerate(author_names(seed)):
        rng = random.Random(f"{seed}-author-{index}")
        slug = slugify(name)
        author = Author.objects.filter(slug=slug).first()
        if author is None:
            role, institution = rng.choice(ROLES), rng.choice(INSTITUTIONS)
            writer = Writer(rng)
            topics = rng.sample(NOUNS, 2)
            author = Author(
                name=name,
                slug=slug,
                affiliation=f"{role}, {institution}",
                bio=(
                    f"{name} is a {role.lower()} at the {institution}, working on "
                    f"{topics[0]} and {topics[1]}. {writer.sentence()}"
                ),
                website=f"https://example.org/people/{slug}",
                links=f"https://example.org/profiles/{slug}",
            )
            if images:
                initials = "".join(part[0] for part in name.split())
                author.photo.save(
                    f"{slug}.jpg",
                    ContentFile(draw_portrait(initials, rng)),
                    save=False,
                )
            author.save()
        authors.append(author)
    return authors


def load_tags():
    tags = []
    for name in TAGS:
        tag, _created = Tag.objects.get_or_create(
            name=name, defaults={"slug": slugify(name)}
        )
        tags.append(tag)
    return tags


def _status_and_time(index, rng, now):
    """Most published over the past 18 months; a few drafts, in review, or
    scheduled."""
    if index % 20 == 5:
        return Article.Status.DRAFT, None
    if index % 20 == 11:
        return Article.Status.REVIEW, None
    if index % 20 == 17:
        return Article.Status.PUBLISHED, now + timedelta(
            days=rng.randint(2, 30), hours=rng.randint(0, 23)
        )
    return Article.Status.PUBLISHED, now - timedelta(
        days=rng.randint(1, 540), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
    )


def _cross_post(article, index, rng):
    if index % 4 != 3:
        return
    outlet, domain = rng.choice(OUTLETS)
    article.original_outlet = outlet
    when = (article.publish_at or timezone.now()) - timedelta(days=rng.randint(1, 20))
    article.original_published_at = when.date()
    article.original_url = f"https://{domain}/{when:%Y/%m}/{article.slug}"
    article.is_original_canonical = index % 12 == 3


def plan_article(seed, index, regions, themes, now, bulk=False):
    """An unsaved Article and what to attach to it, from its own random stream."""
    rng = random.Random(f"{seed}-{'bulk' if bulk else 'article'}-{index}")
    article_regions = rng.sample(regions, rng.randint(1, 2))
    article_themes = rng.sample(themes, rng.randint(1, 3))
    writer = Writer(rng, article_regions[0].name, article_themes[0].name)
    title = writer.title()
    slug = f"{slugify(title)[:240]}-{index + 1}"
    if bulk:
        slug = f"{slugify(title)[:240]}-b{index + 1}"
    status, publish_at = _status_and_time(index, rng, now)
    article = Article(
        title=title,
        slug=slug,
        standfirst=writer.standfirst(),
        status=status,
        publish_at=publish_at,
        is_reprintable=not (index % 30 == 7),
    )
    _cross_post(article, index, rng)
    return article, rng, writer, article_regions, article_themes


def load_articles(seed=DEFAULT_SEED, images=True, count=None):
    count = DEMO_ARTICLES if count is None else count
    regions, themes = load_taxonomies(seed)
    authors = load_authors(seed, images=images)
    tags = load_tags()
    now = timezone.now()
    articles = []
    existing = set(Article.objects.values_list("slug", flat=True))
    for index in range(count):
        article, rng, writer, article_regions, article_themes = plan_article(
            seed, index, regions, themes, now
        )
        if article.slug in existing:
            articles.append(Article.objects.get(slug=article.slug))
            continue
        article.body = writer.body()
        with transaction.atomic():
            if images:
                article.image_alt = (
                    f"An abstract illustration in soft colours for “{article.title}”."
                )
                article.image_caption = (
                    f"{article_regions[0].name}: {writer.sentence()}"
                )
                article.image_credit = IMAGE_CREDIT
                article.featured_image.save(
                    f"{article.slug}.jpg",
                    ContentFile(draw_illustration(rng)),
                    save=False,
                )
            article.save()
            for position, author in enumerate(rng.sample(authors, rng.randint(1, 3))):
                Authorship.objects.create(
                    article=article, author=author, position=position
                )
            article.regions.set(article_regions)
            article.themes.set(article_themes)
            article.tags.set(rng.sample(tags, rng.randint(2, 5)))
        articles.append(article)
    return articles


def load_reports(articles, seed=DEFAULT_SEED, images=True):
    rng = random.Random(f"{seed}-reports")
    published = [article for article in articles if article.is_public]
    reports = []
    for position, (title, summary) in enumerate(REPORTS):
        size = rng.randint(4, 8)
        chosen = rng.sample(published, min(size, len(published)))
        slug = slugify(title)
        report = InDepthReport.objects.filter(slug=slug).first()
        if report is None:
            writer = Writer(rng)
            report = InDepthReport(
                title=title,
                slug=slug,
                position=position,
                introduction=(
                    f"<p>{summary}</p><p>{writer.sentence()} {writer.sentence()}</p>"
                ),
            )
            if images:
                report.image_alt = f"An abstract illustration for “{title}”."
                report.image_credit = IMAGE_CREDIT
                report.image.save(
                    f"{slug}.jpg", ContentFile(draw_illustration(rng)), save=False
                )
            with transaction.atomic():
                report.save()
                ReportArticle.objects.bulk_create(
                    ReportArticle(report=report, article=article, position=number)
                    for number, article in enumerate(chosen)
                )
        reports.append(report)
    return reports


def load_demo(seed=DEFAULT_SEED, images=True):
    """The illustrated demo publication; returns the articles."""
    articles = load_articles(seed, images=images)
    load_reports(articles, seed, images=images)
    return articles


def load_bulk(count, seed=DEFAULT_SEED, batch_size=2000, progress=None):
    """Make sure ``count`` plain demo articles exist (slugs ending ``-b<n>``),
    creating the missing ones in batches with ``bulk_create``: no images and no
    per-row ``save()``. Returns how many were created."""
    regions, themes = load_taxonomies(seed)
    authors = load_authors(seed, images=False)
    tags = load_tags()
    RegionLink = Article.regions.through
    ThemeLink = Article.themes.through
    now = timezone.now()
    created = 0
    for start in range(0, count, batch_size):
        plans = [
            plan_article(seed, index, regions, themes, now, bulk=True)
            for index in range(start, min(count, start + batch_size))
        ]
        existing = set(
            Article.objects.filter(
                slug__in=[plan[0].slug for plan in plans]
            ).values_list("slug", flat=True)
        )
        plans = [plan for plan in plans if plan[0].slug not in existing]
        for article, _rng, writer, _regions, _themes in plans:
            article.body = writer.body(min_words=150, max_words=350, links=1)
            if article.status == Article.Status.PUBLISHED:
                article.notices_pinned_at = now
        with transaction.atomic():
            new = Article.objects.bulk_create(
                [plan[0] for plan in plans], batch_size=500
            )
            if new and new[0].pk is None:  # a database that returns no keys
                pks = dict(
                    Article.objects.filter(
                        slug__in=[article.slug for article in new]
                    ).values_list("slug", "pk")
                )
                for article in new:
                    article.pk = pks[article.slug]
            authorships, region_links, theme_links, tagged = [], [], [], []
            for article, rng, _writer, article_regions, article_themes in plans:
                for position, author in enumerate(
                    rng.sample(authors, rng.randint(1, 3))
                ):
                    authorships.append(
                        Authorship(
                            article_id=article.pk,
                            author_id=author.pk,
                            position=position,
                        )
                    )
                region_links += [
                    RegionLink(article_id=article.pk, region_id=region.pk)
                    for region in article_regions
                ]
                theme_links += [
                    ThemeLink(article_id=article.pk, theme_id=theme.pk)
                    for theme in article_themes
                ]
                tagged += [
                    TaggedArticle(tag_id=tag.pk, content_object_id=article.pk)
                    for tag in rng.sample(tags, rng.randint(2, 5))
                ]
            Authorship.objects.bulk_create(authorships, batch_size=2000)
            RegionLink.objects.bulk_create(region_links, batch_size=2000)
            ThemeLink.objects.bulk_create(theme_links, batch_size=2000)
            TaggedArticle.objects.bulk_create(tagged, batch_size=2000)
        created += len(new)
        if progress:
            progress(min(count, start + batch_size), count, created)
    return created
