"""Imprint as it runs in production, on this machine: Varnish in front
(deploy/varnish/), gunicorn web processes behind it (deploy/gunicorn.conf.py),
nginx with the static files and uploads (deploy/nginx/) and the task worker
that sends the purges.

    python -m deploy.stack start [--port 8080] [--workers 2] [--servers 1]
    python -m deploy.stack status
    python -m deploy.stack stop

``make stack`` / ``make stack-stop`` run these; the end-to-end tests
(tests/deploy/) and the load benchmark (benchmarks/load.py) start their own on
free ports. Everything a run writes (generated configuration, logs, process
ids, Varnish's working folder) goes in one run folder, ``.stack/`` unless
``--run-dir`` or ``STACK_DIR`` says otherwise. The Django processes get this
process's environment (DATABASE_URL, REDIS_URL...), plus VARNISH_URLS naming
this Varnish and TASKS_BACKEND=database when the worker runs.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
VCL = HERE / "varnish" / "imprint.vcl"
NGINX_SERVER = HERE / "nginx" / "imprint.conf"
GUNICORN_CONF = HERE / "gunicorn.conf.py"
# Debian packages the stack needs (`make stack-packages` installs them).
PROGRAMS = {"varnishd": "varnish", "nginx": "nginx"}
XKEY_VMOD = "libvmod_xkey.so"


class StackError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_programs():
    """Debian packages to install for the stack, by what is not found."""
    missing = [pkg for prog, pkg in PROGRAMS.items() if not find_program(prog)]
    vmods = ("/usr/lib/*/varnish/vmods", "/usr/lib/varnish/vmods")
    if not any(Path("/").glob(f"{d.lstrip('/')}/{XKEY_VMOD}") for d in vmods):
        missing.append("varnish-modules")
    return missing


def find_program(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def wait_for_port(port, timeout=30, process=None, name="", log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            said = log.read_text()[-2000:] if log and log.exists() else ""
            raise StackError(f"{name} exited with {process.returncode}\n{said}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise StackError(f"{name or 'a server'} is not listening on port {port}")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(pid, timeout=15):
    """SIGTERM ``pid``'s process group (it leads one: started with
    start_new_session), then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                # Reap it if it is our child; otherwise just watch it go.
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                if not alive(pid):
                    return
            time.sleep(0.05)


class Stack:
    """One local stack: ``servers`` gunicorn servers of ``workers`` sync
    workers each, nginx, Varnish on ``port`` and (``worker``) one task
    worker. Any part can be left out (``varnish=False``, ``nginx=False``);
    ``backend_ports`` puts Varnish in front of servers already running
    instead of gunicorn; ``root`` runs the Django of another checkout."""

    def __init__(
        self,
        run_dir,
        *,
        port=None,
        workers=2,
        servers=1,
        env=None,
        varnish=True,
        nginx=True,
        worker=True,
        storage="256m",
        backend_ports=None,
        root=ROOT,
    ):
        self.root = Path(root)
        self.run_dir = Path(run_dir).resolve()
        self.port = port or free_port()
        self.admin_port = free_port()
        self.files_port = free_port()
        self.own_web = not backend_ports
        self.web_ports = list(backend_ports or [free_port() for _ in range(servers)])
        self.workers = workers
        self.env = dict(env or {})
        self.use_varnish = varnish
        self.use_nginx = nginx
        self.use_worker = worker
        self.storage = storage
        self.processes = {}

    # Addresses --------------------------------------------------------------

    @property
    def url(self):
        """Where readers come in: Varnish (or the first web server without)."""
        return (
            f"http://127.0.0.1:{self.port if self.use_varnish else self.web_ports[0]}"
        )

    @property
    def web_url(self):
        return f"http://127.0.0.1:{self.web_ports[0]}"

    @property
    def files_url(self):
        return f"http://127.0.0.1:{self.files_port}"

    def django_env(self):
        env = {**os.environ, **self.env}
        env.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
        if self.use_varnish:
            env["VARNISH_URLS"] = f"http://127.0.0.1:{self.port}"
        if self.use_worker:
            env["TASKS_BACKEND"] = "database"
        if self.use_nginx:
            env["IMPRINT_SERVE_MEDIA"] = "false"
        return env

    def static_root(self):
        env = self.django_env()
        return Path(env.get("STATIC_ROOT") or self.root / "staticfiles")

    def media_root(self):
        env = self.django_env()
        return Path(env.get("MEDIA_ROOT") or self.root / "media")

    # Configuration ----------------------------------------------------------

    def write_backends_vcl(self):
        servers = "\n".join(
            f"""backend web{n} {{
    .host = "127.0.0.1";
    .port = "{port}";
    .probe = django;
    .connect_timeout = 1s;
    .first_byte_timeout = 35s;
}}"""
            for n, port in enumerate(self.web_ports, 1)
        )
        adds = "\n".join(
            f"    web.add_backend(web{n});" for n in range(1, 1 + len(self.web_ports))
        )
        files = f'"{self.files_port}"' if self.use_nginx else f'"{self.web_ports[0]}"'
        text = f"""# Written by deploy/stack.py for this run
# (deploy/varnish/backends.vcl is the example to copy).
import directors;

probe django {{
    .request = "GET /robots.txt HTTP/1.1"
               "Host: 127.0.0.1"
               "Connection: close";
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}}

{servers}

backend files {{
    .host = "127.0.0.1";
    .port = {files};
}}

acl purgers {{
    "127.0.0.1";
    "::1";
}}

sub vcl_init {{
    new web = directors.round_robin();
{adds}
}}

sub imprint_backend {{
    if (req.url ~ "^/(static|media)/") {{
        set req.backend_hint = files;
    }} else {{
        set req.backend_hint = web.backend();
    }}
}}
"""
        (self.run_dir / "backends.vcl").write_text(text)

    def write_nginx_conf(self):
        server = (
            NGINX_SERVER.read_text()
            .replace("__LISTEN__", f"127.0.0.1:{self.files_port}")
            .replace("__STATIC_ROOT__", str(self.static_root()))
            .replace("__MEDIA_ROOT__", str(self.media_root()))
        )
        (self.run_dir / "nginx-imprint.conf").write_text(server)
        temp = self.run_dir / "nginx-temp"
        temp.mkdir(exist_ok=True)
        upstream = "\n".join(f"        server 127.0.0.1:{p};" for p in self.web_ports)
        temps = "\n".join(
            f"    {kind}_temp_path {temp / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = f"""# Written by deploy/stack.py for this run.
worker_processes 1;
error_log {self.run_dir / "nginx-error.log"} warn;
pid {self.run_dir / "nginx.pid"};
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    server_tokens off;
{temps}
    upstream imprint_web {{
{upstream}
    }}
    include {self.run_dir / "nginx-imprint.conf"};
}}
"""
        (self.run_dir / "nginx.conf").write_text(main)

    # Processes --------------------------------------------------------------

    def spawn(self, name, command, env=None):
        log = open(self.run_dir / f"{name}.log", "ab")
        process = subprocess.Popen(
            command,
            cwd=self.root,
            env=env if env is not None else os.environ,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        self.save_pids()
        return process

    def save_pids(self):
        pids = {name: p.pid for name, p in self.processes.items()}
        (self.run_dir / "pids.json").write_text(json.dumps(pids))

    def start_web(self):
        env = self.django_env()
        for n, port in enumerate(self.web_ports, 1):
            process = self.spawn(
                f"web{n}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    str(GUNICORN_CONF),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(self.workers),
                    "publication.wsgi:application",
                ],
                env,
            )
            wait_for_port(
                port, 60, process, f"gunicorn web{n}", self.run_dir / f"web{n}.log"
            )
            self.warm(port)

    def warm(self, port):
        """A first request for each worker of the server at ``port``: a cold
        worker loads the URLconf and templates on its first request, which on
        a busy machine can outlast the 2 s of Varnish's probe, and two probes
        failing mark the server sick (503s) until the next ones pass."""
        with ThreadPoolExecutor(self.workers * 2) as pool:
            list(
                pool.map(
                    lambda _: get(f"http://127.0.0.1:{port}/robots.txt", timeout=60),
                    range(self.workers * 2),
                )
            )

    def stop_web(self):
        """Stop every gunicorn server (Django down); Varnish and nginx stay."""
        for name in [n for n in self.processes if n.startswith("web")]:
            terminate(self.processes.pop(name).pid)
        self.save_pids()

    def start_nginx(self):
        self.write_nginx_conf()
        process = self.spawn(
            "nginx",
            [
                find_program("nginx"),
                "-e",
                str(self.run_dir / "nginx-error.log"),
                "-p",
                str(self.run_dir),
                "-c",
                str(self.run_dir / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
        )
        wait_for_port(
            self.files_port, 20, process, "nginx", self.run_dir / "nginx-error.log"
        )

    def start_varnish(self):
        self.write_backends_vcl()
        secret = self.run_dir / "varnish-secret"
        if not secret.exists():
            secret.write_text(secrets.token_hex(16))
            secret.chmod(0o600)
        process = self.spawn(
            "varnish",
            [
                find_program("varnishd"),
                "-F",
                "-n",
                str(self.run_dir / "varnish"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-T",
                f"127.0.0.1:{self.admin_port}",
                "-S",
                str(secret),
                "-f",
                str(VCL),
                "-p",
                # This run's backends.vcl, never the example beside imprint.vcl.
                f"vcl_path={self.run_dir}:/usr/share/varnish/vcl",
                "-s",
                f"malloc,{self.storage}",
            ],
        )
        wait_for_port(self.port, 60, process, "varnishd", self.run_dir / "varnish.log")

    def start_worker(self):
        self.spawn(
            "worker",
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
            self.django_env(),
        )

    def start(self):
        """Start every part, or stop what started and raise."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # varnishd reads its configuration as its own user: the folder (and
        # those above it) must be open to others.
        self.run_dir.chmod(0o755)
        try:
            if self.own_web:
                self.start_web()
            if self.use_nginx:
                self.start_nginx()
            if self.use_varnish:
                self.start_varnish()
            if self.use_worker:
                self.start_worker()
        except BaseException:
            self.stop()
            raise
        (self.run_dir / "stack.json").write_text(
            json.dumps(
                {
                    "url": self.url,
                    "web": [f"http://127.0.0.1:{p}" for p in self.web_ports],
                    "files": self.files_url if self.use_nginx else None,
                    "varnish_admin": self.admin_port if self.use_varnish else None,
                }
            )
        )
        return self

    def stop(self):
        for name in reversed(list(self.processes)):
            terminate(self.processes.pop(name).pid)
        self.save_pids()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Inspection -------------------------------------------------------------

    def varnishadm(self, *args):
        done = subprocess.run(
            [
                shutil.which("varnishadm") or "/usr/bin/varnishadm",
                "-n",
                str(self.run_dir / "varnish"),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode:
            raise StackError(f"varnishadm {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def web_healthy(self):
        """Whether Varnish's probe says every web server is up."""
        listing = self.varnishadm("backend.list")
        states = [
            line.split()[3] == "healthy"
            for line in listing.splitlines()[1:]
            if line.split() and re.search(r"\.web\d+$", line.split()[0])
        ]
        return bool(states) and all(states)

    def wait_for_web(self, healthy=True, timeout=20):
        """Until Varnish's probe agrees the web servers are up (or down)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web_healthy() == healthy:
                return
            time.sleep(0.2)
        raise StackError(f"Varnish never saw the web servers healthy={healthy}")

    def web_worker_pids(self):
        """The gunicorn workers (the masters' children)."""
        pids = []
        for name, process in self.processes.items():
            if name.startswith("web"):
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
                pids += [int(pid) for pid in children.read_text().split()]
        return pids


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get(url, headers=None, timeout=30):
    """GET ``url``: (status, headers, body) whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# Command line -----------------------------------------------------------------


def saved_pids(run_dir):
    path = Path(run_dir) / "pids.json"
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy.stack")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument(
        "--run-dir", default=os.environ.get("STACK_DIR", str(ROOT / ".stack"))
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("STACK_PORT", 8080))
    )
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2))
    )
    parser.add_argument("--servers", type=int, default=1, help="gunicorn servers")
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir)
    running = {n: pid for n, pid in saved_pids(run_dir).items() if alive(pid)}
    if args.action == "status":
        for name, pid in running.items():
            print(f"{name}: running (pid {pid})")
        if not running:
            print("not running")
        return 0 if running else 1
    if args.action == "stop":
        for name, pid in running.items():
            terminate(pid)
            print(f"stopped {name}")
        (run_dir / "pids.json").unlink(missing_ok=True)
        return 0
    if running:
        print(f"already running ({', '.join(running)}); `make stack-stop` first")
        return 1
    missing = missing_programs()
    if missing:
        print(f"missing Debian packages: {' '.join(missing)}", file=sys.stderr)
        return 1
    stack = Stack(
        run_dir,
        port=args.port,
        workers=args.workers,
        servers=args.servers,
        worker=not args.no_worker,
    ).start()
    print(f"Imprint through Varnish: {stack.url}/")
    for n, port in enumerate(stack.web_ports, 1):
        print(f"  gunicorn web{n}: http://127.0.0.1:{port}/ ({args.workers} workers)")
    print(f"  nginx (static, media): {stack.files_url}/")
    print(f"  logs and process ids: {run_dir}/; stop with `make stack-stop`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
