from django.views.generic import TemplateView

from .models import NoticeVersion
from .notices import current_notices


class NoticePageView(TemplateView):
    """A page showing the current version of one or more site notices."""

    kinds = ()

    def get_context_data(self, **kwargs):
        notices = current_notices()
        return super().get_context_data(
            notices=[notices[kind] for kind in self.kinds if kind in notices],
            **kwargs,
        )


class DisclaimerView(NoticePageView):
    template_name = "publication/disclaimer.html"
    kinds = (NoticeVersion.Kind.DISCLAIMER,)
