"""Publishers do everything (README): also the site notices and the
publication's identity. Safe to run again: the group is fetched or created and
these permissions added, never set (other apps' migrations add their own)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "view_noticeversion",
    "add_noticeversion",
    "change_noticeversion",
    "view_identity",
    "change_identity",
]


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally made after all migrations (post_migrate).
    app_config = apps.get_app_config("publication")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="publication", codename__in=PERMISSIONS
    )
    group, _created = Group.objects.using(using).get_or_create(name="Publisher")
    group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="publication", codename__in=PERMISSIONS
    )
    for group in Group.objects.using(using).filter(name="Publisher"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0002_default_notices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
