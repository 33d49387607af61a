from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def notices_changed(sender, using, **kwargs):
    from . import surrogates

    surrogates.changed({surrogates.NOTICES}, using)


def identity_changed(sender, using, **kwargs):
    from . import surrogates

    surrogates.changed({surrogates.IDENTITY}, using)


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = _("Publication")

    def ready(self):
        from . import outbox, purge
        from .models import Identity, NoticeVersion

        # Every page names these keys (publication.surrogates): a new notice
        # version or an edited identity reaches them at once.
        for signal in (post_save, post_delete):
            signal.connect(notices_changed, sender=NoticeVersion, dispatch_uid="keys")
            signal.connect(identity_changed, sender=Identity, dispatch_uid="keys")
        purge.connect()
        outbox.register(purge.pending)
