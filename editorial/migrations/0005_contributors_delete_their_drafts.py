"""Contributors may delete the unpublished drafts they created or are credited
on (editorial.permissions.can_delete keeps them off published articles and
other people's work). Safe to run again."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    group = Group.objects.using(using).filter(name="Contributor").first()
    permission = (
        Permission.objects.using(using)
        .filter(content_type__app_label="articles", codename="delete_article")
        .first()
    )
    if group is not None and permission is not None:
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    group = Group.objects.using(using).filter(name="Contributor").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(using).filter(
                content_type__app_label="articles", codename="delete_article"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("editorial", "0004_collaboration")]

    operations = [migrations.RunPython(grant, revoke)]
