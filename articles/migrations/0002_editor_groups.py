"""The editorial groups: Contributor writes, Editor edits everything, Publisher
also publishes. Safe to run again: groups are fetched or created and these
permissions added (other apps' migrations add their own)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
EDITED_MODELS = {
    "articles": ["article", "authorship", "reportarticle", "indepthreport"],
    "authors": ["author"],
    "regions": ["region"],
    "themes": ["theme"],
    "taggit": ["tag"],
}
CONTRIBUTOR = [
    ("articles", "add_article"),
    ("articles", "change_article"),
    ("articles", "view_article"),
    # The byline is part of writing an article: the admin's authors inline.
    ("articles", "add_authorship"),
    ("articles", "change_authorship"),
    ("articles", "delete_authorship"),
    ("articles", "view_authorship"),
    ("articles", "view_indepthreport"),
    ("articles", "view_reportarticle"),
    ("authors", "view_author"),
    ("regions", "view_region"),
    ("themes", "view_theme"),
    ("taggit", "add_tag"),
    ("taggit", "change_tag"),
    ("taggit", "view_tag"),
]
EDITOR = [
    (app_label, f"{action}_{model}")
    for app_label, models in EDITED_MODELS.items()
    for model in models
    for action in ALL
]
PUBLISHER = [*EDITOR, ("articles", "publish_article")]
GROUPS = {"Contributor": CONTRIBUTOR, "Editor": EDITOR, "Publisher": PUBLISHER}


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally made after all migrations (post_migrate); make
    # them now so the groups can refer to them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        permissions = []
        for app_label, codename in wanted:
            permissions.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group, _created = Group.objects.using(using).get_or_create(name=name)
        # add, not set: later migrations give these groups more permissions.
        group.permissions.add(*permissions)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        (
            "taggit",
            "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx",
        ),
        ("authors", "0001_initial"),
        ("regions", "0001_initial"),
        ("themes", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
