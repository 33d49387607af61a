"""What keeps the public forms from being abused: a signed form token (minimum
fill time and idempotency), a honeypot, and rate limits every process shares."""

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import RateCounter

TOKEN_SALT = "reprints.form-token"
TOKEN_MAX_AGE = 24 * 60 * 60


def min_fill_seconds():
    return getattr(settings, "REPRINT_MIN_FILL_SECONDS", 3)


def issue_form_token():
    """A signed token carrying a fresh idempotency key and the time it was made."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(uuid.uuid4().hex)


def read_form_token(value):
    """The idempotency key of a valid token, or raise ValidationError: tampered,
    expired, or sent back sooner than a person could have filled in the form."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        key = signer.unsign(value or "", max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise forms.ValidationError(
            _("This form was open for too long. Please check it and send it again."),
            code="expired",
        ) from None
    except signing.BadSignature:
        raise forms.ValidationError(
            _("Please take a moment to check the form, then send it again."),
            code="tampered",
        ) from None
    issued = signing.b62_decode(value.rsplit(signer.sep, 2)[1])
    if time.time() - issued < min_fill_seconds():
        raise forms.ValidationError(
            _("Please take a moment to check the form, then send it again."),
            code="too_fast",
        )
    return key


class ProtectedFormMixin(forms.Form):
    """Adds the honeypot and the signed token to a form. A filled honeypot is a
    form error (a person who filled it by mistake can empty it and go on)."""

    single_line_fields = ()

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", issue_form_token())

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _("This field must be left empty."), code="honeypot"
            )
        return ""

    def clean_form_token(self):
        value = self.cleaned_data["form_token"]
        try:
            self.idempotency_key = read_form_token(value)
        except forms.ValidationError as error:
            if error.code != "too_fast":
                # A broken token cannot be fixed by waiting: give a new one.
                self.data = self.data.copy()
                self.data[self.add_prefix("form_token")] = issue_form_token()
            raise
        return value

    def clean(self):
        cleaned_data = super().clean()
        # Single-line fields end up in e-mail headers: refuse CR/LF anywhere.
        for field in self.single_line_fields:
            raw = self.data.get(self.add_prefix(field), "")
            if "\r" in raw or "\n" in raw:
                self.add_error(
                    field,
                    forms.ValidationError(
                        _("Use a single line, without line breaks."),
                        code="line_break",
                    ),
                )
        return cleaned_data


def client_ip(request):
    """The client's address. Behind N trusted proxies (REPRINT_TRUSTED_PROXIES),
    the Nth address from the right of X-Forwarded-For; else REMOTE_ADDR."""
    proxies = getattr(settings, "REPRINT_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


@dataclass
class Limit:
    name: str
    count: int
    window: int  # seconds


def limits_for(request):
    # No limit counts everyone together: a flood from many addresses would
    # refuse every reader. services.in_flood() holds such floods for review.
    ip = client_ip(request)
    return [
        (
            f"ip:{ip}",
            Limit("10min", getattr(settings, "REPRINT_RATE_PER_10_MIN", 5), 600),
        ),
        (
            f"ip:{ip}",
            Limit("day", getattr(settings, "REPRINT_RATE_PER_DAY", 20), 86400),
        ),
    ]


def hit(key, window):
    """Add one to the counter ``key`` for a fixed window; return the new count.
    Atomic across processes: Redis INCR, or one UPDATE on the database."""
    cache = caches["default"]
    if not isinstance(cache, DatabaseCache):
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            return 1
    now = timezone.now()
    with transaction.atomic():
        if RateCounter.objects.filter(key=key).update(count=F("count") + 1):
            return RateCounter.objects.values_list("count", flat=True).get(key=key)
        RateCounter.objects.filter(expires_at__lt=now).delete()
        try:
            with transaction.atomic():
                RateCounter.objects.create(
                    key=key, count=1, expires_at=now + timedelta(seconds=window)
                )
            return 1
        except IntegrityError:
            RateCounter.objects.filter(key=key).update(count=F("count") + 1)
            return RateCounter.objects.values_list("count", flat=True).get(key=key)


def over_limit(request, scope):
    """Count one submission; return the seconds to wait if it is over a limit,
    else None."""
    now = time.time()
    wait = None
    for who, limit in limits_for(request):
        window_start = int(now // limit.window) * limit.window
        key = f"rate:{scope}:{who}:{limit.name}:{window_start}"
        if hit(key, limit.window) > limit.count:
            seconds = max(1, int(window_start + limit.window - now) + 1)
            wait = max(wait or 0, seconds)
    return wait
