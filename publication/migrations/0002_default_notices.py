"""A first version of each site notice, in force from the start, so every article
shows the notices from day one; editors replace them in the admin."""

import datetime

from django.db import migrations

FROM_THE_START = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

DEFAULTS = {
    "note_to_readers": (
        "<p>Articles express the views of their authors, which are not necessarily "
        "those of the publication. We correct errors openly: if you find one, "
        'please <a href="/contact/">tell us</a>.</p>'
    ),
    "disclaimer": (
        "<p>The content of this publication is provided for general information "
        "and research. It is not professional advice, and while we take care that "
        "it is accurate, we accept no liability for decisions made on the basis "
        'of it. The full disclaimer is on <a href="/disclaimer/">its own '
        "page</a>.</p>"
    ),
    "reprint_terms": (
        "<p>Other outlets may republish our articles with our written permission, "
        "asked for each article and medium. A reprint must keep the text whole "
        "(no changes of meaning), name the authors, print the original source and "
        "copyright lines exactly as given in the permission, and link back to the "
        "article. Articles marked as third-party material cannot be reprinted.</p>"
    ),
    "fair_use": (
        "<p>This publication may quote copyrighted material whose use its owner "
        "has not specifically authorised. We use it for research, criticism, "
        "comment and news reporting, which we believe to be fair use or fair "
        "dealing. To use such material for other purposes, ask its owner.</p>"
    ),
    "media_contact": (
        "<p>Journalists who would like to interview an author or quote an article "
        'at length can reach us through the <a href="/contact/">contact '
        "form</a> (choose “Media inquiry”).</p>"
    ),
}


def add_defaults(apps, schema_editor):
    NoticeVersion = apps.get_model("publication", "NoticeVersion")
    for kind, body in DEFAULTS.items():
        if not NoticeVersion.objects.filter(kind=kind).exists():
            NoticeVersion.objects.create(
                kind=kind, body=body, created_at=FROM_THE_START
            )


def remove_defaults(apps, schema_editor):
    NoticeVersion = apps.get_model("publication", "NoticeVersion")
    NoticeVersion.objects.filter(created_at=FROM_THE_START).delete()


class Migration(migrations.Migration):
    dependencies = [("publication", "0001_notices")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
