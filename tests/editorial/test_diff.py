import re

import pytest
from django.template.loader import render_to_string

from articles.models import Article, InDepthReport
from authors.models import Author
from editorial.diff import compare, html_to_text, word_diff
from editorial.state import FIELDS, state_of
from regions.models import Region
from themes.models import Theme

DELETED = '<del><span class="visually-hidden">deleted: </span>'
INSERTED = '<ins><span class="visually-hidden">inserted: </span>'


def state(**changes):
    """A complete state with everything empty, then ``changes``."""
    empty = {
        "title": "A title",
        "slug": "a-title",
        "standfirst": "",
        "body": "",
        "authors": [],
        "regions": [],
        "themes": [],
        "reports": [],
        "tags": [],
        "featured_image": "",
        "featured_image_renditions": [],
        "image_alt": "",
        "image_caption": "",
        "image_credit": "",
        "original_outlet": "",
        "original_url": "",
        "original_published_at": None,
        "is_original_canonical": False,
        "copyright_override": "",
        "is_reprintable": True,
    }
    return {**empty, **changes}


def visible(html):
    """What a sighted reader sees of a diff: the hidden prefixes dropped."""
    return re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)


def by_field(changes):
    return {change.field: change for change in changes}


def test_html_to_text_reads_blocks_as_paragraphs():
    html = (
        "<h2>Grain &amp; water</h2><p>The  harvest\n failed.<br>Again.</p>"
        "<ul><li>Maize</li><li><em>Rice</em></li></ul>"
        "<blockquote>Not this year</blockquote>"
    )

    assert html_to_text(html) == (
        "Grain & water\n\nThe harvest failed.\n\nAgain.\n\n"
        "• Maize\n\n• Rice\n\nNot this year"
    )


def test_html_to_text_marks_list_items_as_the_editor_writes_them():
    html = "<ul><li><p>Maize</p></li><li><p></p></li><li><p><b>Rice</b></p></li></ul>"

    assert html_to_text(html) == "• Maize\n\n• Rice"


def test_html_to_text_never_passes_markup_through():
    html = "<p>Before &lt;b&gt;</p><script>alert(1)</script><p>after</p>"

    assert html_to_text(html) == "Before <b>\n\nafter"
    assert html_to_text("") == ""
    assert html_to_text(None) == ""


def test_word_diff_marks_an_inserted_word():
    assert word_diff("the harvest failed", "the maize harvest failed") == (
        f'<div class="diff"><p>the {INSERTED}maize</ins> harvest failed</p></div>'
    )


def test_word_diff_marks_a_deleted_word():
    assert word_diff("the maize harvest failed", "the harvest failed") == (
        f'<div class="diff"><p>the {DELETED}maize</del> harvest failed</p></div>'
    )


def test_word_diff_shows_a_replaced_run_as_deleted_then_inserted():
    diff = visible(word_diff("prices rose sharply in May", "prices fell in June"))

    assert diff == (
        '<div class="diff"><p>prices <del>rose sharply</del> <ins>fell</ins> in '
        "<del>May</del> <ins>June</ins></p></div>"
    )


def test_word_diff_keeps_paragraphs_apart():
    diff = word_diff("First one.\n\nSecond one.", "First one.\n\nSecond two.")

    assert visible(diff) == (
        '<div class="diff"><p>First one.</p>'
        "<p>Second <del>one.</del> <ins>two.</ins></p></div>"
    )


def test_word_diff_marks_a_new_paragraph_break():
    diff = word_diff("One. Two.", "One.\n\nTwo.")

    assert "inserted: paragraph break" in diff
    assert diff.count("<p>") == 2


def test_word_diff_escapes_everything():
    diff = word_diff("safe", 'safe <script>alert("x")</script> & <b>')

    assert "<script>" not in diff
    assert "<b>" not in diff
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in diff


@pytest.mark.django_db
def test_unchanged_states_give_no_changes(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            compare(
                state(authors=[3, 1], tags=["Maize"]),
                state(authors=[3, 1], tags=["Maize"]),
            )
            == []
        )


@pytest.mark.django_db
def test_a_saved_article_compared_with_itself_has_no_changes():
    article = Article.objects.create(title="Rain", slug="rain", body="<p>Wet</p>")
    article.tags.set(["Weather"])

    assert compare(state_of(article), state_of(article)) == []


def test_only_changed_fields_appear_in_fields_order():
    changes = compare(
        state(),
        state(
            is_reprintable=False,
            title="Another title",
            tags=["Maize"],
            body="<p>Text</p>",
        ),
    )

    assert [change.field for change in changes] == [
        "title",
        "body",
        "tags",
        "is_reprintable",
    ]
    assert [change.field for change in changes] == [
        name for name in FIELDS if name in {change.field for change in changes}
    ]


@pytest.mark.django_db
def test_labels_are_capitalised_verbose_names():
    labels = {
        change.field: str(change.label)
        for change in compare(
            state(),
            state(image_alt="A field", tags=["Maize"], reports=[[1, 0]]),
        )
    }

    assert labels["image_alt"] == "Alt text"
    assert labels["tags"] == "Tags"
    assert labels["reports"] == "In-depth reports"


def test_body_is_compared_as_text_not_markup():
    change = by_field(
        compare(
            state(body="<p>The harvest <strong>failed</strong>.</p>"),
            state(
                body='<p>The harvest <a href="/x">improved</a>.</p><script>x</script>'
            ),
        )
    )["body"]

    assert change.kind == "html"
    assert visible(change.diff) == (
        '<div class="diff"><p>The harvest <del>failed.</del> <ins>improved.</ins>'
        "</p></div>"
    )


def test_a_change_of_formatting_alone_is_noted():
    change = by_field(
        compare(state(body="<p>Dry year</p>"), state(body="<p><em>Dry</em> year</p>"))
    )["body"]

    assert change.note == "Only the formatting changed."
    assert "<del>" not in change.diff
    assert "<ins>" not in change.diff


def test_short_text_fields_get_a_word_diff():
    change = by_field(
        compare(state(image_caption="A dry field"), state(image_caption="A wet field"))
    )["image_caption"]

    assert change.kind == "text"
    assert visible(change.diff) == (
        '<div class="diff"><p>A <del>dry</del> <ins>wet</ins> field</p></div>'
    )


@pytest.mark.django_db
def test_subjects_added_and_removed_by_name(django_assert_num_queries):
    sahel = Region.objects.create(name="Sahel", slug="sahel")
    andes = Region.objects.create(name="Andes", slug="andes")
    alps = Region.objects.create(name="Alps", slug="alps")
    water = Theme.objects.create(name="Water", slug="water")

    with django_assert_num_queries(2):
        changes = by_field(
            compare(
                state(regions=sorted([sahel.pk, andes.pk])),
                state(regions=sorted([andes.pk, alps.pk]), themes=[water.pk]),
            )
        )

    assert changes["regions"].kind == "list"
    assert changes["regions"].added == ["Alps"]
    assert changes["regions"].removed == ["Sahel"]
    assert changes["themes"].added == ["Water"]
    assert changes["themes"].removed == []


@pytest.mark.django_db
def test_authors_added_and_removed_in_byline_order(django_assert_num_queries):
    ada, bea, cy, dee = (
        Author.objects.create(name=name, slug=name.lower())
        for name in ("Ada", "Bea", "Cy", "Dee")
    )

    with django_assert_num_queries(1):
        change = by_field(
            compare(
                state(authors=[ada.pk, bea.pk]),
                state(authors=[dee.pk, ada.pk, cy.pk]),
            )
        )["authors"]

    assert change.added == ["Dee", "Cy"]
    assert change.removed == ["Bea"]
    assert change.note == ""


@pytest.mark.django_db
def test_a_new_byline_order_is_noted():
    ada = Author.objects.create(name="Ada", slug="ada")
    bea = Author.objects.create(name="Bea", slug="bea")

    change = by_field(
        compare(state(authors=[ada.pk, bea.pk]), state(authors=[bea.pk, ada.pk]))
    )["authors"]

    assert change.note == "Order changed"
    assert change.added == change.removed == []
    assert (change.old, change.new) == ("Ada, Bea", "Bea, Ada")


@pytest.mark.django_db
def test_a_deleted_row_still_has_a_name():
    ada = Author.objects.create(name="Ada", slug="ada")
    gone = Author.objects.create(name="Gone", slug="gone")
    gone_pk = gone.pk
    gone.delete()

    change = by_field(compare(state(authors=[gone_pk]), state(authors=[ada.pk])))[
        "authors"
    ]

    assert change.removed == [f"#{gone_pk} (deleted)"]
    assert change.added == ["Ada"]


@pytest.mark.django_db
def test_reports_by_title_with_a_moved_position_noted():
    drought = InDepthReport.objects.create(title="Drought", slug="drought")
    floods = InDepthReport.objects.create(title="Floods", slug="floods")

    change = by_field(
        compare(
            state(reports=[[drought.pk, 2]]),
            state(reports=sorted([[drought.pk, 5], [floods.pk, 0]])),
        )
    )["reports"]

    assert change.added == ["Floods"]
    assert change.removed == []
    assert change.note == "Position in “Drought” changed from 2 to 5."


def test_tags_added_and_removed_without_regard_to_case():
    changes = compare(state(tags=["climate", "Maize"]), state(tags=["Climate", "Rice"]))

    assert [change.field for change in changes] == ["tags"]
    assert changes[0].added == ["Rice"]
    assert changes[0].removed == ["Maize"]


def test_values_show_before_and_after():
    changes = by_field(
        compare(
            state(original_published_at=None, is_original_canonical=False),
            state(original_published_at="2024-03-05", is_original_canonical=True),
        )
    )

    assert (
        changes["is_original_canonical"].old,
        changes["is_original_canonical"].new,
    ) == (
        "No",
        "Yes",
    )
    assert changes["original_published_at"].kind == "value"
    assert changes["original_published_at"].old == ""
    assert changes["original_published_at"].new == "March 5, 2024"


@pytest.mark.parametrize(
    ("old", "new", "note"),
    [
        ("", "articles/new.jpg", "Image added"),
        ("articles/old.jpg", "", "Image removed"),
        ("articles/old.jpg", "articles/new.jpg", "Image replaced"),
    ],
)
def test_image_change_names_the_files(old, new, note):
    change = by_field(compare(state(featured_image=old), state(featured_image=new)))[
        "featured_image"
    ]

    assert change.kind == "image"
    assert change.note == note
    assert (change.old, change.new) == (old, new)


def test_a_key_missing_from_an_old_state_counts_as_empty():
    old = state()
    del old["copyright_override"]
    del old["tags"]

    assert compare(old, state()) == []
    changes = compare(old, state(copyright_override="© Someone", tags=["Maize"]))
    assert [change.field for change in changes] == ["tags", "copyright_override"]
    assert visible(changes[1].diff) == (
        '<div class="diff"><p><ins>© Someone</ins></p></div>'
    )


def test_the_template_shows_each_change():
    changes = compare(
        state(standfirst="Rain came late.", tags=["Maize"]),
        state(standfirst="Rain came early.", tags=["Rice"], is_reprintable=False),
    )

    html = render_to_string(
        "editorial/admin/includes/changes.html", {"changes": changes}
    )

    assert "Standfirst" in html
    assert "<del>" in html
    assert "<ins>" in html
    assert "deleted: </span>late.</del>" in html
    assert "Added" in html
    assert "<li><ins>Rice</ins></li>" in html
    assert "<li><del>Maize</del></li>" in html
    assert "May be reprinted" in html
    assert "<dd><del>Yes</del></dd>" in html
    assert "<dd><ins>No</ins></dd>" in html
    assert "No differences." not in html


@pytest.mark.django_db
def test_the_template_shows_a_new_byline_order_and_an_image_removed():
    ada = Author.objects.create(name="Ada", slug="ada")
    bea = Author.objects.create(name="Bea", slug="bea")
    changes = compare(
        state(authors=[ada.pk, bea.pk], featured_image="articles/old.jpg"),
        state(authors=[bea.pk, ada.pk]),
    )

    html = render_to_string(
        "editorial/admin/includes/changes.html", {"changes": changes}
    )

    assert "Order changed" in html
    assert "<dd><del>Ada, Bea</del></dd>" in html
    assert "<dd><ins>Bea, Ada</ins></dd>" in html
    assert "Image removed" in html
    assert "<dd><del>articles/old.jpg</del></dd>" in html
    assert "(none)" in html


def test_the_template_escapes_what_the_diff_shows():
    changes = compare(state(), state(title="<script>alert(1)</script>"))

    html = render_to_string(
        "editorial/admin/includes/changes.html", {"changes": changes}
    )

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_template_says_when_there_is_no_difference():
    html = render_to_string("editorial/admin/includes/changes.html", {"changes": []})

    assert "No differences." in html
    assert "<table" not in html
