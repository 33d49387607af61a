# Varnish in front of Imprint (Varnish 7.1 and vmod_xkey from Debian's
# varnish-modules).
#
# - Keeps only what Django marks public (Cache-Control public with max-age or
#   s-maxage, no Set-Cookie), for as long as it says; s-maxage wins over max-age.
# - Never caches for a signed-in reader (a sessionid cookie) nor the admin; for
#   everyone else the page is the same, so other cookies (csrftoken, anything a
#   browser carries) are set aside: they are not part of the lookup, and only a
#   request Varnish passes to Django (a form) gets them back.
# - Forgets pages by surrogate key: Django names what each response shows in its
#   xkey header (article-12 region-3 listings ...) and, after a change, sends
#       PURGE /   with   xkey-purge: article-12 listings
#   (or xkey-softpurge: the same keys, keeping a stale copy for emergencies).
# - Grace: a stale copy is kept for a day, and served only while Django is down
#   (its health probe failing, or a fetch failing): a reader then gets the last
#   good page instead of an error, and Varnish keeps trying in the background.
#   While Django is up nothing is served past its stated lifetime.
#
# backends.vcl (found on vcl_path) says where Django and the static files are,
# who may purge, and routes each request (sub imprint_backend); `make stack`
# writes one, deploy/varnish/backends.vcl is the example to copy.

vcl 4.1;

import std;
import xkey;

include "backends.vcl";

sub vcl_recv {
    if (req.restarts == 0) {
        # Our own marks, never a client's.
        unset req.http.imprint-stale;
        unset req.http.imprint-cookie;
        unset req.http.imprint-cache;
        unset req.http.imprint-purged;
    }
    if (req.method == "PURGE") {
        call imprint_purge;
    }
    call vcl_req_host;
    call vcl_req_method;
    call imprint_backend;

    # The stale copy only while Django cannot answer (vcl_synth sets
    # imprint-stale when a fetch failed before the probe noticed).
    if (req.http.imprint-stale || !std.healthy(req.backend_hint)) {
        set req.grace = 24h;
    } else {
        set req.grace = 0s;
    }

    call vcl_req_authorization;
    if (req.url ~ "^/admin(/|$)" || req.http.Cookie ~ "(^|;)\s*sessionid=") {
        # Signed in: previews, banners, the editor's links. Cookies intact.
        return (pass);
    }
    if (req.http.Cookie) {
        set req.http.imprint-cookie = req.http.Cookie;
        unset req.http.Cookie;
    }
    return (hash);
}

sub imprint_purge {
    if (client.ip !~ purgers) {
        return (synth(403, "Forbidden"));
    }
    if (req.http.xkey-purge) {
        set req.http.imprint-purged = xkey.purge(req.http.xkey-purge);
    } elsif (req.http.xkey-softpurge) {
        set req.http.imprint-purged = xkey.softpurge(req.http.xkey-softpurge);
    } else {
        return (synth(400, "Name the keys in xkey-purge or xkey-softpurge"));
    }
    return (synth(200, "Purged " + req.http.imprint-purged));
}

sub vcl_hash {
    # Pages carry absolute addresses (canonical, sharing links): one copy for
    # each scheme the proxy in front says it served.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        set req.http.imprint-cache = "hit";
    } else {
        set req.http.imprint-cache = "stale";
    }
}

sub vcl_miss {
    set req.http.imprint-cache = "miss";
}

sub vcl_pass {
    set req.http.imprint-cache = "pass";
}

sub vcl_backend_fetch {
    # A request Django answers for this reader alone (a form and its CSRF
    # cookie) gets the reader's cookies back; a fetch for the cache gets none,
    # so what is kept is the anonymous page.
    if (bereq.uncacheable && bereq.http.imprint-cookie) {
        set bereq.http.Cookie = bereq.http.imprint-cookie;
    }
    unset bereq.http.imprint-cookie;
    unset bereq.http.imprint-stale;
    unset bereq.http.imprint-cache;
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status >= 500 && (bereq.is_bgfetch ||
        bereq.http.If-None-Match || bereq.http.If-Modified-Since)) {
        # A stale copy exists (Varnish revalidates it with its validators):
        # keep it rather than store an error; vcl_synth retries with grace.
        return (abandon);
    }
    if (beresp.http.Set-Cookie ||
        beresp.http.Cache-Control ~ "(?i)(private|no-store)" ||
        beresp.http.Surrogate-Control ~ "(?i)no-store" ||
        beresp.http.Vary == "*") {
        # For this reader alone (a form and its CSRF cookie, a signed-in
        # page): this address goes straight to Django, with the reader's
        # cookies, for a while.
        return (pass(120s));
    }
    # beresp.ttl is what Django said: s-maxage, else max-age, else Expires
    # (less the Age a cache before it added). Nothing said (Varnish's
    # default_ttl would apply; "max-age=" matches s-maxage too), nothing
    # kept; nor "no-cache" (Django: made while what it shows was changing).
    if (beresp.ttl <= 0s ||
        (beresp.http.Cache-Control !~ "(?i)max-age=" && !beresp.http.Expires) ||
        beresp.http.Cache-Control ~ "(?i)no-cache") {
        # Ask Django again next time, without making readers of this address
        # wait for each other meanwhile; the next answer it may keep, it keeps.
        set beresp.ttl = 10s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    set beresp.grace = 24h;
    set beresp.keep = 1h;
    if (beresp.http.Content-Type ~ "(?i)^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript))") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_backend_error {
    # Django unreachable: as above.
    if (bereq.is_bgfetch || bereq.http.If-None-Match ||
        bereq.http.If-Modified-Since) {
        return (abandon);
    }
}

sub vcl_deliver {
    if (req.http.imprint-cache) {
        set resp.http.X-Varnish-Cache = req.http.imprint-cache;
    }
    # The keys are for this cache; readers have no use for them.
    unset resp.http.xkey;
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
    # A fetch failed (Django down before its probe says so): try once more,
    # allowing the stale copy.
    if (resp.status == 503 && req.restarts == 0 &&
        (req.method == "GET" || req.method == "HEAD")) {
        set req.http.imprint-stale = "1";
        return (restart);
    }
}
