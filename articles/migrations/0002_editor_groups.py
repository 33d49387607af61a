# The groups' permissions are being written (see issue 2); this migration keeps its
# place in the chain so later migrations can depend on it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = []
