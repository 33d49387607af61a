"""Migration 0009 moves the tags of articles from taggit's generic table to
``articles_taggedarticle`` and back when reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0009_article_goes_public_at")]
AFTER = [("articles", "0010_tagged_article")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_tags_move_to_their_own_table_and_back(make_article):
    tagged = make_article(tags=["rivers", "rain"])
    plain = make_article()
    try:
        apps = migrate(BEFORE)
        assert apps.get_model("taggit", "TaggedItem").objects.count() == 2

        # A tag on another model stays where it is.
        ContentType = apps.get_model("contenttypes", "ContentType")
        TaggedItem = apps.get_model("taggit", "TaggedItem")
        other = ContentType.objects.get(app_label="regions", model="region")
        TaggedItem.objects.create(
            tag_id=TaggedItem.objects.first().tag_id,
            content_type=other,
            object_id=plain.pk,
        )

        apps = migrate(AFTER)
        TaggedArticle = apps.get_model("articles", "TaggedArticle")
        moved = TaggedArticle.objects.values_list("content_object_id", "tag__name")
        assert sorted(moved) == [(tagged.pk, "rain"), (tagged.pk, "rivers")]
        left = apps.get_model("taggit", "TaggedItem").objects.all()
        assert [(item.content_type_id, item.object_id) for item in left] == [
            (other.pk, plain.pk)
        ]

        apps = migrate(BEFORE)
        back = apps.get_model("taggit", "TaggedItem").objects.filter(
            object_id=tagged.pk
        )
        assert sorted(back.values_list("tag__name", flat=True)) == ["rain", "rivers"]
    finally:
        executor = MigrationExecutor(connection)
        migrate(executor.loader.graph.leaf_nodes())
    from articles.models import Article

    assert sorted(Article.objects.get(pk=tagged.pk).tags.names()) == ["rain", "rivers"]
