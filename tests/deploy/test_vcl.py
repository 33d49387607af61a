"""What deploy/varnish/imprint.vcl promises, through a real varnishd in front
of a small origin that answers as Django does (headers chosen per address), so
each rule is checked on its own: what is kept and for whom, purges by surrogate
key, and grace while the origin is down."""

import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import Request, urlopen

import pytest

from deploy.stack import Stack, free_port, get

PUBLIC = "public, max-age=300"
NEVER = "max-age=0, no-cache, no-store, must-revalidate, private"


class Origin:
    """An HTTP origin on a fixed port that can be stopped and started again.

    ``pages[path] = headers`` says what each address answers with (a 404
    otherwise); every answer's body is the address, the number of times the
    origin has answered it and the Cookie header it got."""

    def __init__(self):
        self.port = free_port()
        self.pages = {"/robots.txt": {"Cache-Control": NEVER}}
        self.served = {}
        self.server = None
        self.start()

    def handler(self):
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path
                headers = origin.pages.get(path)
                if headers is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                origin.served[path] = origin.served.get(path, 0) + 1
                body = (
                    f"{path} #{origin.served[path]} "
                    f"cookie={self.headers.get('Cookie', '')}"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("ETag", f'"{path}-{origin.served[path]}"')
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origin():
    server = Origin()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def varnish(stack_programs, origin):
    run_dir = tempfile.mkdtemp(prefix="imprint-vcl-")  # open to varnishd's user
    stack = Stack(
        run_dir,
        backend_ports=[origin.port],
        nginx=False,
        worker=False,
    )
    with stack:
        yield stack
    shutil.rmtree(run_dir, ignore_errors=True)


_pages = iter(range(1, 1_000_000))


@pytest.fixture
def new_page(origin):
    """A new public address each call, answered with ``headers``."""

    def make(keys="", cache_control=PUBLIC, **headers):
        path = f"/page/{next(_pages)}"
        answer = {"Cache-Control": cache_control, **headers}
        if keys:
            answer["xkey"] = keys
        origin.pages[path] = answer
        return path

    return make


def fetch(varnish, path, **headers):
    status, response_headers, body = get(
        varnish.url + path, {name.replace("_", "-"): v for name, v in headers.items()}
    )
    return (
        status,
        response_headers.get("X-Varnish-Cache"),
        body.decode(),
        response_headers,
    )


def cache_state(varnish, path, **headers):
    return fetch(varnish, path, **headers)[1]


def purge(varnish, keys, soft=True):
    header = "xkey-softpurge" if soft else "xkey-purge"
    request = Request(varnish.url + "/", method="PURGE", headers={header: keys})
    with urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_a_public_page_is_a_hit_the_second_time(varnish, origin, new_page):
    path = new_page()
    assert cache_state(varnish, path) == "miss"
    status, state, body, headers = fetch(varnish, path)
    assert (status, state) == (200, "hit")
    assert body.startswith(f"{path} #1 ")
    assert origin.served[path] == 1


def test_the_keys_stay_inside(varnish, new_page):
    path = new_page(keys="article-100 listings")
    assert fetch(varnish, path)[3].get("xkey") is None


def test_a_purge_forgets_exactly_the_pages_with_its_keys(varnish, new_page):
    first = new_page(keys="article-1 region-1 listings")
    second = new_page(keys="article-2 region-2 listings")
    third = new_page(keys="article-3 region-2")
    for path in (first, second, third):
        fetch(varnish, path)
        assert cache_state(varnish, path) == "hit"

    status, text = purge(varnish, "article-1")
    assert (status, text) == (200, "Purged 1\n")
    assert cache_state(varnish, first) == "miss"
    assert cache_state(varnish, second) == "hit"
    assert cache_state(varnish, third) == "hit"

    purge(varnish, "listings region-9")
    assert cache_state(varnish, first) == "miss"
    assert cache_state(varnish, second) == "miss"
    assert cache_state(varnish, third) == "hit"


def test_a_purged_page_is_fetched_again_never_served_stale(varnish, origin, new_page):
    for soft in (True, False):
        path = new_page(keys="article-7")
        fetch(varnish, path)
        purge(varnish, "article-7", soft=soft)
        status, state, body, _ = fetch(varnish, path)
        assert (status, state) == (200, "miss")
        assert body.startswith(f"{path} #2 ")


def test_a_purge_must_name_its_keys(varnish):
    request = Request(varnish.url + "/", method="PURGE")
    with pytest.raises(Exception) as error:
        urlopen(request, timeout=10)
    assert error.value.code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"cache_control": "private, max-age=300"},
        {"cache_control": NEVER},
        {"cache_control": PUBLIC, "Set-Cookie": "csrftoken=abc; Path=/"},
        {"cache_control": PUBLIC, "Vary": "*"},
    ],
    ids=["private", "never_cache", "cookie", "vary *"],
)
def test_what_is_for_one_reader_goes_straight_to_django(
    varnish, origin, new_page, headers
):
    path = new_page(**headers)
    fetch(varnish, path)
    assert cache_state(varnish, path) == "pass"
    assert origin.served[path] == 2


@pytest.mark.parametrize(
    "cache_control",
    [
        "no-cache",
        "public, max-age=0",
        "public, s-maxage=0, max-age=300",
        "public",
    ],
)
def test_what_django_does_not_give_a_lifetime_is_not_kept(
    varnish, origin, new_page, cache_control
):
    path = new_page(cache_control=cache_control)
    fetch(varnish, path)
    assert cache_state(varnish, path) == "miss"
    assert origin.served[path] == 2


def test_a_page_kept_once_django_allows_it(varnish, origin, new_page):
    path = new_page(cache_control="no-cache")  # made while its keys changed
    fetch(varnish, path)
    origin.pages[path]["Cache-Control"] = PUBLIC
    assert cache_state(varnish, path) == "miss"
    assert cache_state(varnish, path) == "hit"


def test_s_maxage_is_this_cache_s_lifetime(varnish, new_page):
    path = new_page(cache_control="public, max-age=0, s-maxage=60")
    fetch(varnish, path)
    assert cache_state(varnish, path) == "hit"


def test_a_signed_in_reader_is_never_served_from_the_cache(varnish, origin, new_page):
    path = new_page()
    fetch(varnish, path)  # the anonymous copy
    status, state, body, _ = fetch(varnish, path, Cookie="csrftoken=t; sessionid=s")
    assert (status, state) == (200, "pass")
    assert "sessionid=s" in body  # Django sees who it is
    assert origin.served[path] == 2
    assert cache_state(varnish, path) == "hit"  # the anonymous copy is intact


def test_the_admin_is_never_cached(varnish, origin):
    origin.pages["/admin/login/"] = {"Cache-Control": PUBLIC}
    fetch(varnish, "/admin/login/")
    assert cache_state(varnish, "/admin/login/") == "pass"


def test_other_cookies_are_set_aside_for_anonymous_pages(varnish, new_page):
    path = new_page()
    status, state, body, _ = fetch(varnish, path, Cookie="csrftoken=t; _ga=GA1.2")
    assert (status, state) == (200, "miss")
    assert body.endswith("cookie=")  # the cached copy is the anonymous page
    assert cache_state(varnish, path, Cookie="csrftoken=u") == "hit"
    assert cache_state(varnish, path) == "hit"


def test_a_form_gets_the_reader_s_cookies_back(varnish, new_page):
    path = new_page(cache_control=NEVER)
    fetch(varnish, path)  # Varnish learns the address is not for sharing
    status, state, body, _ = fetch(varnish, path, Cookie="csrftoken=t")
    assert (status, state) == (200, "pass")
    assert body.endswith("cookie=csrftoken=t")


def test_each_scheme_has_its_own_copy(varnish, new_page):
    path = new_page()
    fetch(varnish, path, X_Forwarded_Proto="https")
    assert cache_state(varnish, path, X_Forwarded_Proto="https") == "hit"
    assert cache_state(varnish, path, X_Forwarded_Proto="http") == "miss"


def test_varnish_answers_revalidations_itself(varnish, origin, new_page):
    path = new_page()
    _status, _state, _body, headers = fetch(varnish, path)
    status, _headers, _body = get(
        varnish.url + path, {"If-None-Match": headers["ETag"]}
    )
    assert status == 304
    assert origin.served[path] == 1


def test_with_the_origin_down_the_stale_copy_is_served(varnish, origin, new_page):
    cached = new_page(keys="article-50")
    expired = new_page(cache_control="public, max-age=1")
    never_cached = new_page()
    for path in (cached, expired):
        fetch(varnish, path)
    purge(varnish, "article-50")  # soft: the stale copy stays, for this
    time.sleep(1.5)  # the second one's lifetime has passed
    origin.stop()
    try:
        # Before the probe notices (a fetch fails) and after it does.
        for _ in ("fetch failing", "probe sick"):
            for path in (cached, expired):
                status, state, body, _ = fetch(varnish, path)
                assert (status, state) == (200, "stale")
                assert body.startswith(f"{path} #1 ")
            assert fetch(varnish, never_cached)[0] == 503
            varnish.wait_for_web(healthy=False)
    finally:
        origin.start()
    varnish.wait_for_web()
    status, state, body, _ = fetch(varnish, cached)
    assert (status, state) == (200, "miss")
    assert body.startswith(f"{cached} #2 ")
