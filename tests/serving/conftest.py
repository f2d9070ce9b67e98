"""The serving stack as deployed (docs/serving.md): Debian's nginx with deploy/nginx/tutor.conf in front
of gunicorn (gunicorn.conf.py) and daphne, under production settings, on a scratch PostgreSQL database
and the Redis of the services pass. One stack per module; every process is stopped in teardown.

Skips, with the reason, without nginx (scripts/ensure_package.sh installs it), PostgreSQL or Redis.
"""

import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
METRICS_TOKEN = secrets.token_urlsafe(32)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _services_or_skip() -> psycopg.Connection:
    if not Path(NGINX).exists():
        pytest.skip("serving tests need Debian's nginx (scripts/ensure_package.sh /usr/sbin/nginx nginx ...)")
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")) or not REDIS_URL:
        pytest.skip("serving tests run in the services pass: make test-services (DATABASE_URL, REDIS_URL)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=3)
    except (redis.RedisError, psycopg.Error) as error:
        pytest.skip(f"serving tests need PostgreSQL and Redis: {error}")


def self_signed_certificate(workdir: Path) -> tuple[Path, Path]:
    certificate, key = workdir / "tls.crt", workdir / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True, timeout=60)
    return certificate, key


def nginx_config(workdir: Path, *, listen: int, http: int, ws: int, certificate: Path, key: Path) -> Path:
    """The repository's site config, rendered with this stack's ports and certificate, in a main config of
    the test's own (its pid file, logs and temp paths in `workdir`, so no root-owned path is touched)."""
    site = (ROOT / "deploy/nginx/tutor.conf").read_text()
    for placeholder, value in {"@LISTEN@": f"127.0.0.1:{listen}", "@HTTP@": f"127.0.0.1:{http}",
                               "@WS@": f"127.0.0.1:{ws}", "@CERTIFICATE@": str(certificate),
                               "@CERTIFICATE_KEY@": str(key)}.items():
        site = site.replace(placeholder, value)
    (workdir / "site.conf").write_text(site)
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
        path.chmod(0o777)  # nginx's workers run as nobody when the master is root
    main = workdir / "nginx.conf"
    main.write_text(f"""
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {workdir}/site.conf;
}}
""")
    return main


class Deployed:
    """nginx on `url`, gunicorn and daphne behind it; `manage` runs a management command in the stack's env."""

    def __init__(self, workdir: Path, database_url: str):
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        (workdir / "metrics").mkdir()
        self.logs = []
        ports = {"nginx": free_port(), "http": free_port(), "ws": free_port()}
        self.url = f"https://127.0.0.1:{ports['nginx']}"
        self.ws_url = f"wss://127.0.0.1:{ports['nginx']}"
        self.certificate, self.key = self_signed_certificate(workdir)
        self.tls = ssl.create_default_context(cafile=str(self.certificate))
        self.ports = ports
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tutor.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_PROXY_COUNT": "1", "LOGIN_FAILURE_LIMIT": "3", "WEB_CONCURRENCY": "2", "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{ports['http']}", "TRACER_TRAITS_EVERY": "1000000",
            "METRICS_TOKEN": METRICS_TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        }

    def client(self, address: str = "127.0.0.1") -> httpx.Client:
        """An HTTPS client of the site from a loopback `address` of its own (127.0.0.0/8 is all loopback), so
        that tests can be different clients to the site's address-keyed limits."""
        transport = httpx.HTTPTransport(local_address=address, verify=self.tls)
        return httpx.Client(base_url=self.url, transport=transport, timeout=30)

    def manage(self, *command: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, command: list[str]):
        log = (self.workdir / f"{name}.log").open("w")
        self.logs.append(log)
        self.processes.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text()[-3000:]

    def wait_until_served(self, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    pytest.fail(f"a process of the stack exited: {process.args[:2]}\n"
                                + "\n".join(self.log(name) for name in ("gunicorn", "daphne", "nginx")))
            try:
                with self.client() as client:
                    if client.get("/accounts/login/").status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail("the stack did not answer through nginx in time")

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=5)
        for log in self.logs:
            log.close()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    admin = _services_or_skip()
    database = f"serving_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{database}"')
    workdir = tmp_path_factory.mktemp("serving")
    stack = Deployed(workdir, DATABASE_URL.rsplit("/", 1)[0] + f"/{database}")
    try:
        stack.manage("migrate", "--noinput")
        stack.manage("load_course", "courses/demo")
        stack.manage("collectstatic", "--noinput", "-v0")
        stack.start("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"])
        stack.start("daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(stack.ports["ws"]),
                               "tutor.asgi:application"])
        config = nginx_config(workdir, listen=stack.ports["nginx"], http=stack.ports["http"], ws=stack.ports["ws"],
                              certificate=stack.certificate, key=stack.key)
        stack.start("nginx", [NGINX, "-c", str(config), "-p", str(workdir)])
        stack.wait_until_served()
        yield stack
    finally:
        stack.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
