"""Tags of articles in their own table, ``articles_taggedarticle``, with a
foreign key to the article (a bigint, like its id) instead of taggit's generic
``taggit_taggeditem`` (an integer ``object_id`` and a content type). The rows of
articles move across; reversing the migration moves them back."""

import django.db.models.deletion
import taggit.managers
from django.db import migrations, models


def _tables(apps, schema_editor):
    quote = schema_editor.quote_name
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    return (
        quote(Article._meta.db_table),
        quote(TaggedArticle._meta.db_table),
        quote(TaggedItem._meta.db_table),
    )


def _article_type(apps, create=False):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if create:
        return ContentType.objects.get_or_create(app_label="articles", model="article")[
            0
        ]
    return ContentType.objects.filter(app_label="articles", model="article").first()


def move_to_tagged_article(apps, schema_editor):
    content_type = _article_type(apps)
    if content_type is None:
        return  # a new database: nothing was ever tagged
    article, tagged_article, tagged_item = _tables(apps, schema_editor)
    of_an_article = (
        f"{tagged_item}.content_type_id = %s AND EXISTS (SELECT 1 FROM {article} "
        f"WHERE {article}.id = {tagged_item}.object_id)"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tagged_article} (content_object_id, tag_id) "
            f"SELECT object_id, tag_id FROM {tagged_item} WHERE {of_an_article}",
            [content_type.pk],
        )
        cursor.execute(
            f"DELETE FROM {tagged_item} WHERE {of_an_article}", [content_type.pk]
        )


def move_back_to_tagged_item(apps, schema_editor):
    article, tagged_article, tagged_item = _tables(apps, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {tagged_article} LIMIT 1")
        if cursor.fetchone() is None:
            return
        content_type = _article_type(apps, create=True)
        cursor.execute(
            f"INSERT INTO {tagged_item} (content_type_id, object_id, tag_id) "
            f"SELECT %s, content_object_id, tag_id FROM {tagged_article}",
            [content_type.pk],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_article_goes_public_at"),
        ("contenttypes", "0002_remove_content_type_name"),
        (
            "taggit",
            "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx",
        ),
    ]

    operations = [
        migrations.CreateModel(
            name="TaggedArticle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "content_object",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tagged_items",
                        to="articles.article",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tagged_articles",
                        to="taggit.tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "tagged article",
                "verbose_name_plural": "tagged articles",
            },
        ),
        migrations.AlterField(
            model_name="article",
            name="tags",
            field=taggit.managers.TaggableManager(
                blank=True,
                help_text="Comma-separated keywords.",
                through="articles.TaggedArticle",
                to="taggit.Tag",
                verbose_name="tags",
            ),
        ),
        # Rows first, indexes after: building an index once is cheaper than
        # keeping it up to date row by row.
        migrations.RunPython(move_to_tagged_article, move_back_to_tagged_item),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(fields=["tag", "content_object"], name="tag_articles"),
        ),
        migrations.AddConstraint(
            model_name="taggedarticle",
            constraint=models.UniqueConstraint(
                fields=("content_object", "tag"), name="tagged_article_unique"
            ),
        ),
    ]
