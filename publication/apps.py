from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = _("Publication")

    def ready(self):
        from . import outbox, purge

        purge.connect()
        outbox.register(purge.pending)
