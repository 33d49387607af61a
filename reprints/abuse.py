"""What keeps the public forms from being abused: a signed form token (minimum
fill time and idempotency), a honeypot, and rate limits every process shares."""

import math
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publication.clients import client_ip, client_key, parse_address  # noqa: F401

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


def clock():
    """Seconds since the epoch, for the rate limits (tests move it)."""
    return time.time()


@dataclass
class Limit:
    count: int
    window: int  # seconds


def client_limits():
    return [
        Limit(getattr(settings, "REPRINT_RATE_PER_10_MIN", 5), 600),
        Limit(getattr(settings, "REPRINT_RATE_PER_DAY", 20), 86400),
    ]


def wait_for(hits, limits, now):
    """Seconds until one more hit would fit every limit, given the times of the
    hits kept (sliding windows: a limit counts the hits of the last ``window``
    seconds); 0 when it fits now."""
    hits = sorted(hits)
    wait = 0.0
    for limit in limits:
        recent = [at for at in hits if at > now - limit.window]
        if len(recent) >= limit.count:
            # The next hit fits once enough of these have left the window.
            freed_at = recent[len(recent) - limit.count] + limit.window
            wait = max(wait, freed_at - now)
    return wait


# One round trip, atomic in Redis: drop the hits older than the longest window,
# check every limit against the rest, and record this hit only if it fits (a
# refused attempt is not counted, so Retry-After is the real wait).
# KEYS[1]: the client's sorted set (score = time of a hit).
# ARGV: now, longest window, a unique member, then count and window per limit.
SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local longest = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 4, #ARGV, 2 do
  local count = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  local recent = redis.call(
    'ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES')
  local n = #recent / 2
  if n >= count then
    local freed_at = tonumber(recent[2 * (n - count + 1)]) + window
    wait = math.max(wait, freed_at - now)
  end
end
if wait > 0 then
  return tostring(wait)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(longest))
return '0'
"""


def _hit_redis(cache, key, limits, now):
    # Django's RedisCache has no sorted sets or scripts: use its client, with
    # its key prefix, so the limits share the cache's server and namespace.
    client = cache._cache.get_client(key, write=True)
    args = [repr(now), max(limit.window for limit in limits), uuid.uuid4().hex]
    for limit in limits:
        args += [limit.count, limit.window]
    return float(
        client.eval(SLIDING_WINDOW_LUA, 1, cache.make_and_validate_key(key), *args)
    )


def _hit_database(key, limits, now):
    longest = max(limit.window for limit in limits)
    with transaction.atomic():
        counter = RateCounter.objects.select_for_update().filter(key=key).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = RateCounter.objects.create(
                        key=key, expires_at=timezone.now()
                    )
            except IntegrityError:
                # Another process made the row first: wait for its lock.
                counter = RateCounter.objects.select_for_update().get(key=key)
        hits = [at for at in counter.hits if at > now - longest]
        wait = wait_for(hits, limits, now)
        if not wait:
            hits.append(now)
        counter.hits = hits
        counter.expires_at = timezone.now() + timedelta(seconds=longest)
        counter.save(update_fields=["hits", "expires_at"])
    return wait


def hit(key, limits):
    """Record one hit for ``key`` if it fits every limit; return the seconds to
    wait (0: it fitted and was counted). Atomic across processes: one Lua
    script in Redis, else one row locked with SELECT ... FOR UPDATE."""
    cache = caches["default"]
    now = clock()
    if isinstance(cache, RedisCache):
        return _hit_redis(cache, key, limits, now)
    # No other cache backend can read, check and write atomically across
    # processes (LocMem is per process, the database cache has no locking).
    return _hit_database(key, limits, now)


def over_limit(request, scope):
    """Count one submission from this client; return the whole seconds to wait
    if it is over a limit (and then it is not counted), else None."""
    wait = hit(f"rate:{scope}:{client_key(request)}", client_limits())
    return math.ceil(wait) if wait > 0 else None
