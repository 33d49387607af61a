from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = _("Editorial desk")

    def ready(self):
        from publication import outbox

        from . import notify, signals

        signals.connect()
        outbox.register(notify.pending)
