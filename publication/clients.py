"""Who a request comes from, for rate limits every public surface shares."""

import ipaddress

from django.conf import settings


def parse_address(value):
    """``value`` as a normalised IP address string, or None when it is not one.
    Accepts what proxies write: ``[v6]:port``, ``v4:port``, an IPv4-mapped IPv6
    address (which is its IPv4 address) and a zone (dropped)."""
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def client_ip(request):
    """The client's address, normalised, or None when the headers hold none.
    Behind N trusted proxies (REPRINT_TRUSTED_PROXIES), the Nth address from the
    right of X-Forwarded-For; else REMOTE_ADDR."""
    proxies = getattr(settings, "REPRINT_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return parse_address(forwarded[-proxies])
    return parse_address(request.META.get("REMOTE_ADDR"))


def client_key(request):
    """Who a limit counts: an IPv4 address, or an IPv6 /64 (one household or
    one server is given a whole /64, so counting addresses would let it rotate
    through billions of them)."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address
