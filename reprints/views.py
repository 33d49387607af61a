from datetime import timedelta

from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, TemplateView

from publication.caching import public
from publication.models import NoticeVersion
from publication.notices import current_notices
from publication.surrogates import IDENTITY, NOTICES

from . import services
from .abuse import client_ip, over_limit
from .forms import ContactForm, ReprintRequestForm
from .models import ContactMessage, PermissionGrant, ReprintRequest

SENT_SALT = "reprints.sent"


@method_decorator(public(NOTICES, IDENTITY), name="dispatch")
class ReprintPolicyView(TemplateView):
    """/reprints/: the reprint terms in force and how to ask."""

    template_name = "reprints/policy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            terms=current_notices().get(NoticeVersion.Kind.REPRINT_TERMS), **kwargs
        )


def too_many_requests(request, retry_after):
    retry_at = timezone.localtime() + timedelta(seconds=retry_after)
    response = TemplateResponse(
        request,
        "429.html",
        {
            "retry_after": retry_after,
            "retry_at": retry_at,
            "retry_minutes": -(-retry_after // 60),
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@method_decorator(never_cache, name="dispatch")
class ProtectedFormView(FormView):
    """A public form that stores once per form token, counts submissions against
    the rate limits, and sends to a confirmation page."""

    model = None
    scope = ""
    sent_url_name = ""

    def submit(self, data, ip):
        raise NotImplementedError

    def form_valid(self, form):
        token = form.idempotency_key
        # A double submit goes to the confirmation of the first, uncounted.
        stored = services.find_submission(self.model, token)
        if stored is None:
            retry_after = over_limit(self.request, self.scope)
            if retry_after:
                return too_many_requests(self.request, retry_after)
            data = {**form.cleaned_data, "idempotency_token": token}
            stored = self.submit(data, client_ip(self.request))
        # Deterministic, so a double submit lands on the same page.
        signed = signing.Signer(salt=SENT_SALT).sign(stored.reference)
        return redirect(self.sent_url_name, signed=signed)


class ReprintRequestView(ProtectedFormView):
    template_name = "reprints/request_form.html"
    form_class = ReprintRequestForm
    model = ReprintRequest
    scope = "reprint"
    sent_url_name = "reprints:request_sent"

    def get_initial(self):
        return {"article": self.request.GET.get("article", "")}

    def submit(self, data, ip):
        return services.submit_reprint_request(data, client_ip=ip)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            terms=current_notices().get(NoticeVersion.Kind.REPRINT_TERMS), **kwargs
        )


class ContactView(ProtectedFormView):
    template_name = "reprints/contact_form.html"
    form_class = ContactForm
    model = ContactMessage
    scope = "contact"
    sent_url_name = "reprints:contact_sent"

    def get_initial(self):
        topic = self.request.GET.get("topic")
        return {"topic": topic} if topic in ContactMessage.Topic.values else {}

    def submit(self, data, ip):
        return services.submit_contact_message(data, client_ip=ip)


@method_decorator(never_cache, name="dispatch")
class SentView(DetailView):
    """The confirmation, reached through a signed link to the reference (no
    enumerable ids)."""

    model = None

    def get_object(self, queryset=None):
        try:
            reference = signing.Signer(salt=SENT_SALT).unsign(self.kwargs["signed"])
        except signing.BadSignature:
            raise Http404 from None
        return get_object_or_404(self.model, reference=reference)


class RequestSentView(SentView):
    model = ReprintRequest
    template_name = "reprints/request_sent.html"

    def get_queryset(self):
        return ReprintRequest.objects.select_related("article")


class ContactSentView(SentView):
    model = ContactMessage
    template_name = "reprints/contact_sent.html"


class VerifyView(DetailView):
    """/reprints/verify/<code>/: is this grant valid, and what must be printed."""

    template_name = "reprints/verify.html"
    context_object_name = "grant"

    def get_object(self, queryset=None):
        return get_object_or_404(
            PermissionGrant.objects.select_related("article", "terms"),
            code=self.kwargs["code"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            attribution=services.attribution(self.object), **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # A grant can be revoked at any moment: caches must ask again.
        patch_cache_control(response, no_cache=True, max_age=0, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response
