# Where imprint.vcl sends what it cannot answer from its cache, and who may
# purge. An example for one host: copy it beside imprint.vcl (or anywhere on
# varnishd's -p vcl_path) and list your web processes. `make stack` writes its
# own copy into its run folder.

import directors;

# Django answers this without touching an article; two failures out of three,
# two seconds apart, and Varnish serves its stale copies (imprint.vcl).
# The Host must be one of DJANGO_ALLOWED_HOSTS.
probe django {
    .request = "GET /robots.txt HTTP/1.1"
               "Host: localhost"
               "Connection: close";
    .interval = 2s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

# One line per gunicorn server (deploy/gunicorn.conf.py).
backend web1 {
    .host = "127.0.0.1";
    .port = "8000";
    .probe = django;
    .connect_timeout = 1s;
    .first_byte_timeout = 35s;
}

# nginx with the static files and the uploads (deploy/nginx/imprint.conf).
backend files {
    .host = "127.0.0.1";
    .port = "8081";
}

# Who may send PURGE: the web processes and workers (VARNISH_URLS). A TLS
# proxy on this host must not forward PURGE, or should speak the PROXY
# protocol (hitch does) so that client.ip is the reader's.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new web = directors.round_robin();
    web.add_backend(web1);
}

sub imprint_backend {
    if (req.url ~ "^/(static|media)/") {
        set req.backend_hint = files;
    } else {
        set req.backend_hint = web.backend();
    }
}
