"""The editorial groups' rights on the desk: Editors and Publishers edit other
people's articles and read the audit log; Publishers also read the workflow
e-mails. Safe to run again (add, not set)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editor": [
        ("articles", "edit_others_article"),
        ("editorial", "view_auditentry"),
    ],
    "Publisher": [
        ("articles", "edit_others_article"),
        ("editorial", "view_auditentry"),
        ("editorial", "view_notification"),
    ],
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GRANTS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
                for app_label, codename in wanted
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    for name, wanted in GRANTS.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in wanted:
            group.permissions.remove(
                *Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("articles", "0005_workflow"),
        ("articles", "0002_editor_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
