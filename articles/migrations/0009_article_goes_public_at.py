from django.db import migrations, models
from django.utils import timezone


def mark_scheduled(apps, schema_editor):
    """Articles scheduled before the field existed still tell the caches."""
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(status="published", publish_at__gt=timezone.now()).update(
        goes_public_at=models.F("publish_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_public_edits_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="goes_public_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="A scheduled article's publication time, until the first request after it has told the caches that the article is public.",
                null=True,
                verbose_name="goes public at",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("goes_public_at__isnull", False)),
                fields=["goes_public_at"],
                name="article_goes_public",
            ),
        ),
        migrations.RunPython(mark_scheduled, migrations.RunPython.noop),
    ]
