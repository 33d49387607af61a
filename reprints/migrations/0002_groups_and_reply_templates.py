"""Give the Editor and Publisher groups the reprint inbox, and start editors off
with one reply template per decision."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["reprintrequest", "contactmessage", "replytemplate", "permissiongrant"]
PERMISSIONS = [f"{action}_{model}" for model in MODELS for action in ("view", "change")]
PERMISSIONS += ["add_replytemplate"]

TEMPLATES = [
    (
        "approve",
        "Permission granted",
        "Permission to reprint “{article}” ({reference})",
        "Dear {name},\n\nWe are glad to let you reprint “{article}” in "
        "{organisation}, under our reprint terms. This permission is valid until "
        "{expires}.\n\nPlease print the attribution below with the article and link "
        "back to the original: {article_url}\n",
    ),
    (
        "decline",
        "Declined",
        "Your reprint request {reference}",
        "Dear {name},\n\nThank you for your interest in “{article}”. We are sorry "
        "that we cannot give permission to reprint it.\n",
    ),
    (
        "needs_info",
        "Needs information",
        "About your reprint request {reference}",
        "Dear {name},\n\nThank you for your request to reprint “{article}”. Before "
        "we can decide, could you tell us more about \n",
    ),
]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("reprints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="reprints", codename__in=PERMISSIONS
    )
    for name in ("Editor", "Publisher"):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)
    ReplyTemplate = apps.get_model("reprints", "ReplyTemplate")
    for kind, name, subject, body in TEMPLATES:
        if not ReplyTemplate.objects.filter(kind=kind).exists():
            ReplyTemplate.objects.create(
                kind=kind, name=name, subject=subject, body=body, is_default=True
            )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="reprints", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editor", "Publisher"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("reprints", "0001_initial"),
        ("articles", "0002_editor_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
