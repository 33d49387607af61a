"""Publishers import from WordPress (README: groups). Safe to run again."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "run_wordpressimport",
    "view_wordpressimport",
    "add_wordpressimport",
    "delete_wordpressimport",
]


def _permissions(apps, using):
    app_config = apps.get_app_config("imports")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.using(using).filter(
        content_type__app_label="imports", codename__in=PERMISSIONS
    )


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.using(using).get_or_create(name="Publisher")
    group.permissions.add(*_permissions(apps, using))


def backwards(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(using).filter(name="Publisher"):
        group.permissions.remove(*_permissions(apps, using))


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_wordpress"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
