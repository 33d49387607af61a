"""Make sure there is an account to log in to the editor admin with."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Make sure a superuser editor account exists (staff, superuser, in the "
        "Publisher group). A new account gets a random password, printed once; "
        "nothing is stored in plain text. An existing account keeps its password "
        "unless --password is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument(
            "--password",
            help="Set this password (for scripted setups) instead of a random one.",
        )

    @transaction.atomic
    def handle(self, *args, username, password, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            **{User.USERNAME_FIELD: username},
            defaults={"is_staff": True, "is_superuser": True},
        )
        changed = not (user.is_staff and user.is_superuser and user.is_active)
        user.is_staff = user.is_superuser = user.is_active = True
        if created:
            password = password or secrets.token_urlsafe(12)
        if password:
            user.set_password(password)
        if created or changed or password:
            user.save()
        publisher = Group.objects.filter(name="Publisher").first()
        if publisher is not None:
            user.groups.add(publisher)

        port = os.environ.get("PORT", "8000")
        if created:
            self.stdout.write(
                f"Log in at http://127.0.0.1:{port}/admin/ as {username} / {password}"
            )
        elif password:
            self.stdout.write(
                f"The account {username!r} exists; its password is now the one "
                f"you gave. Log in at http://127.0.0.1:{port}/admin/"
            )
        else:
            self.stdout.write(
                f"The account {username!r} exists. Log in at "
                f"http://127.0.0.1:{port}/admin/; to set a new password run "
                f"`python manage.py changepassword {username}`."
            )
