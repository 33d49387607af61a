"""Corrections and updates, in public: publishing a change to a live article
asks what kind of change it is; a correction, clarification or update shows
its note on the page, in JSON-LD, in the feeds and on /corrections/."""

import html
import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import formats, timezone

from articles.models import Article, Correction
from editorial import services
from editorial.models import AuditEntry, Draft
from tests.editorial import conftest as desk

# The editors' desk fixtures: people of each role and the change form.
edit_article = desk.edit_article
live_article = desk.live_article
login = desk.login
make_user = desk.make_user
publisher = desk.publisher

pytestmark = pytest.mark.django_db

NOTE = "An earlier version gave the dam's height as 400 m; it is 40 m."


def day(when):
    return formats.date_format(timezone.localtime(when), "j F Y")


def text_of(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def json_ld(page):
    match = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S
    )
    return json.loads(match.group(1))


def publish_correction(client, article, edit_article, kind="correction", note=NOTE):
    response = edit_article(
        client,
        article,
        {"body": "<p>The dam is 40 m high.</p>"},
        action="publish",
        change_kind=kind,
        change_note=note,
    )
    assert response.status_code == 302, response.status_code
    return response


def reader_get(client, url, **headers):
    client.logout()
    return client.get(url, **headers)


def test_a_correction_appears_on_the_page_in_json_ld_and_feeds(
    client, login, publisher, live_article, edit_article
):
    publish_correction(login(publisher), live_article, edit_article)
    note = Correction.objects.get()
    line = f"Corrected on {day(note.published_at)}: {NOTE}"

    page = reader_get(client, live_article.get_absolute_url()).text
    assert "The dam is 40 m high." in page
    assert "Corrections and updates" in page
    assert text_of(page).count(line) == 1
    assert f'id="correction-{note.pk}"' in page
    local = timezone.localtime(note.published_at)
    assert f'<time datetime="{local:%Y-%m-%dT%H:%M:%S%z}">{day(local)}</time>' in page
    # The line by the byline says so too, and leads to the notes.
    assert '<a class="updated" href="#corrections">Corrected <time' in page

    data = json_ld(page)
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": NOTE,
            "datePublished": DjangoJSONEncoder().default(note.published_at),
        }
    ]
    assert data["dateModified"] == data["correction"][0]["datePublished"]

    region = live_article.regions.get()
    for url in (
        "/feeds/rss/",
        "/feeds/atom/",
        region.get_absolute_url() + "feed/rss/",
        region.get_absolute_url() + "feed/atom/",
    ):
        parsed = feedparser.parse(reader_get(client, url).content)
        assert not parsed.bozo, url
        [entry] = parsed.entries
        assert line in text_of(entry.summary), url  # the summary is HTML
        if parsed.version == "atom10":
            assert entry.updated_parsed == note.published_at.utctimetuple()
        else:  # RSS has no per-item updated date: the channel's moves
            assert (
                parsed.feed.updated_parsed
                == note.published_at.replace(microsecond=0).utctimetuple()
            )


def test_corrections_page_and_its_feeds_list_every_public_note_newest_first(
    client, login, publisher, live_article, edit_article, make_article
):
    publish_correction(login(publisher), live_article, edit_article)
    other = make_article("Second piece")
    services.save(other, user=publisher, state={**_state(other), "title": "Fixed"})
    services.publish(
        other, user=publisher, change=("clarification", "We meant the upper dam.")
    )
    hidden = make_article("Gone")
    services.save(hidden, user=publisher, state={**_state(hidden), "title": "Gone 2"})
    services.publish(hidden, user=publisher, change=("update", "Hidden note."))
    services.unpublish(hidden, user=publisher)

    page = reader_get(client, "/corrections/").text
    assert page.index("We meant the upper dam.") < page.index("it is 40 m.")
    assert "Hidden note." not in page
    assert f'href="{live_article.get_absolute_url()}#correction-' in page
    assert 'type="application/rss+xml"' in page
    assert "/corrections/feed/rss/" in page and "/corrections/feed/atom/" in page
    # Every page links to it from the footer.
    assert 'href="/corrections/"' in reader_get(client, "/").text

    for url in ("/corrections/feed/rss/", "/corrections/feed/atom/"):
        response = reader_get(client, url)
        assert response.status_code == 200
        assert "max-age" in response["Cache-Control"] and response["ETag"]
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, url
        titles = [entry.title for entry in parsed.entries]
        assert titles == ["Clarified: Fixed", "Corrected: The live title"], url
        first = parsed.entries[1]
        assert NOTE in text_of(first.summary)
        assert first.link.startswith("http://testserver/articles/")
        note = Correction.objects.get(article=live_article)
        assert first.id.endswith(f":correction:{note.pk}")
        assert first.id.startswith("tag:")


def _state(article):
    from editorial.state import state_of

    return state_of(article)


def test_corrections_page_numbers(client, make_article):
    assert client.get("/corrections/").status_code == 200
    for bad in ("0", "x", "2", "٣", " 1"):
        assert client.get("/corrections/", {"page": bad}).status_code == 404, bad


def test_a_silent_fix_adds_nothing_public(
    client, login, publisher, live_article, edit_article
):
    publish_correction(
        login(publisher), live_article, edit_article, kind="silent", note=""
    )
    live_article.refresh_from_db()
    assert live_article.body == "<p>The dam is 40 m high.</p>"
    assert not Correction.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PUBLISHED)
    assert entry.note == "Silent fix"

    page = reader_get(client, live_article.get_absolute_url()).text
    assert "Corrections and updates" not in page
    assert 'href="#corrections"' not in page
    assert "correction" not in json_ld(page)
    assert "No corrections or updates yet." in reader_get(client, "/corrections/").text
    feed = feedparser.parse(reader_get(client, "/corrections/feed/atom/").content)
    assert feed.entries == []


def test_the_note_is_stored_with_the_revision_that_made_it(
    login, publisher, live_article, edit_article
):
    publish_correction(login(publisher), live_article, edit_article)
    note = Correction.objects.get()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PUBLISHED)
    assert note.revision_number == entry.revision.number
    assert entry.revision.state["body"] == "<p>The dam is 40 m high.</p>"
    assert note.created_by == publisher
    assert note.kind == Correction.Kind.CORRECTION
    assert entry.note == f"Corrected: {NOTE}"


def test_publishing_a_live_article_without_a_kind_is_refused_and_keeps_the_form(
    login, publisher, live_article, edit_article
):
    response = edit_article(
        login(publisher),
        live_article,
        {"title": "Typed title", "change_note": "Typed note."},
        action="publish",
    )
    assert response.status_code == 200  # the form again, nothing saved
    form = response.context["adminform"].form
    assert "change_kind" in form.errors
    assert "say whether this is a correction" in response.text
    assert "Typed title" in response.text and "Typed note." in response.text
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    assert not Draft.objects.exists()
    assert not Correction.objects.exists()


def test_a_correction_needs_a_note(login, publisher, live_article, edit_article):
    for action in ("publish", "schedule"):
        response = edit_article(
            login(publisher),
            live_article,
            {"title": "Typed title"},
            action=action,
            change_kind="correction",
            change_note="   ",
        )
        assert response.status_code == 200
        assert "change_note" in response.context["adminform"].form.errors
        assert "Write the note readers will see." in response.text
    live_article.refresh_from_db()
    assert live_article.title == "The live title"
    assert not Correction.objects.exists()


def test_the_question_is_asked_only_of_articles_readers_have_seen(
    login, publisher, live_article, edit_article, make_article, make_author
):
    client = login(publisher)
    url = reverse("admin:articles_article_change", args=[live_article.pk])
    assert 'name="change_kind"' in client.get(url).text
    for state in ("draft", "scheduled"):
        article = make_article(state=state, authors=[make_author()])
        url = reverse("admin:articles_article_change", args=[article.pk])
        assert 'name="change_kind"' not in client.get(url).text
        response = edit_article(client, article, action="publish")
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
    assert not Correction.objects.exists()


def test_a_scheduled_change_shows_its_note_at_its_time(
    client, login, publisher, live_article, edit_article, monkeypatch
):
    when = timezone.localtime() + timedelta(hours=2)
    response = edit_article(
        login(publisher),
        live_article,
        {"body": "<p>The dam is 40 m high.</p>"},
        action="schedule",
        change_kind="update",
        change_note="Added the height.",
        schedule_at_0=when.strftime("%Y-%m-%d"),
        schedule_at_1=when.strftime("%H:%M:%S"),
    )
    assert response.status_code == 302
    note = Correction.objects.get()
    assert note.published_at == when.replace(microsecond=0)
    assert note.revision_number == Draft.objects.get().revision.number
    assert (
        "Added the height."
        not in reader_get(client, live_article.get_absolute_url()).text
    )
    assert "Added the height." not in reader_get(client, "/corrections/").text

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    from editorial import due

    due.forget()
    page = reader_get(client, live_article.get_absolute_url()).text
    assert "The dam is 40 m high." in page
    line = f"Updated on {day(note.published_at)}: Added the height."
    assert line in text_of(page)
    assert "Added the height." in reader_get(client, "/corrections/").text
    note.refresh_from_db()
    assert note.published_at == when.replace(microsecond=0)  # kept as it is


def test_cancelling_a_scheduled_change_drops_its_note(
    client, login, publisher, live_article, edit_article
):
    when = timezone.localtime() + timedelta(hours=2)
    edit_article(
        login(publisher),
        live_article,
        {"body": "<p>Changed.</p>"},
        action="schedule",
        change_kind="correction",
        change_note="Fixed a date.",
        schedule_at_0=when.strftime("%Y-%m-%d"),
        schedule_at_1=when.strftime("%H:%M:%S"),
    )
    assert Correction.objects.count() == 1
    services.unschedule(Article.objects.get(pk=live_article.pk), user=publisher)
    assert not Correction.objects.exists()


def test_a_client_holding_the_old_etag_sees_the_correction(
    client, login, publisher, live_article, edit_article
):
    urls = [live_article.get_absolute_url(), "/corrections/", "/corrections/feed/rss/"]
    etags = {}
    for url in urls:
        response = reader_get(client, url)
        etags[url] = response["ETag"]
        assert reader_get(client, url, HTTP_IF_NONE_MATCH=etags[url]).status_code == 304
    publish_correction(login(publisher), live_article, edit_article)
    for url in urls:
        response = reader_get(client, url, HTTP_IF_NONE_MATCH=etags[url])
        assert response.status_code == 200, url
        assert "it is 40 m." in response.text, url


def test_bulk_publish_asks_once_and_notes_each_live_article(
    client, login, publisher, live_article, edit_article, make_article
):
    first = make_article("First draft", state="draft")
    edit_article(login(publisher), live_article, {"title": "Draft title"})
    selected = {"action": "publish", "_selected_action": [live_article.pk, first.pk]}
    changelist = reverse("admin:articles_article_changelist")
    asked = login(publisher).post(changelist, selected)
    assert "What kind of change are these?" in asked.text
    assert not Correction.objects.exists()
    login(publisher).post(
        changelist,
        {
            **selected,
            "confirm_change": "yes",
            "change_kind": "correction",
            "change_note": "The dam is 40 m high, not 400 m.",
        },
    )
    live_article.refresh_from_db()
    assert live_article.title == "Draft title"
    note = Correction.objects.get()
    assert note.article == live_article and note.kind == "correction"
    assert note.revision_number == live_article.revisions.order_by("-number")[0].number
    assert Article.objects.published().filter(pk=first.pk).exists()
    assert not Correction.objects.filter(article=first).exists()  # never public


def test_pages_with_notes_cost_the_same_queries(
    client, django_assert_max_num_queries, publisher, make_article
):
    article = make_article("Noted")
    for number in range(5):
        state = _state(article)
        state["title"] = f"Noted {number}"
        services.save(article, user=publisher, state=state)
        services.publish(article, user=publisher, change=("update", f"Note {number}"))
        article.refresh_from_db()
    with django_assert_max_num_queries(14):
        assert "Note 4" in client.get(article.get_absolute_url()).text
    for url in ("/corrections/", "/corrections/feed/rss/", "/corrections/feed/atom/"):
        with django_assert_max_num_queries(8):
            assert "Note 4" in client.get(url).text


def test_the_service_checks_the_change(publisher, make_article):
    article = make_article()
    for change in (("typo", ""), ("correction", " "), ("", "A note")):
        with pytest.raises(services.WorkflowError):
            services.publish(article, user=publisher, change=change)
