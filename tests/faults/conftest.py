"""Real components for the fault tests: a scratch PostgreSQL database per test (copied from a
migrated template), a private redis-server that a test may stop and start, Celery worker processes
that a test may SIGKILL, and the driver (tests/faults/driver.py) run as its own process.

Everything skips, with the reason, when PostgreSQL or redis-server is not available. Every process
started here is killed in teardown, and every wait is bounded.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))
# The server of the services pass (DATABASE_URL); the tests make and drop their own databases on it.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"


def _postgres_or_skip():
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("fault tests run in the services pass: make test-services (DATABASE_URL=postgres://...)")
    try:
        return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        pytest.skip(f"fault tests need PostgreSQL at {POSTGRES}: {error}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, every: float = 0.2):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


class RedisServer:
    """A private redis-server on a free port: the test may stop it (an outage) and start it again."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=10, what="redis-server to answer")

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    @property
    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A migrated database with the demo course, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    if shutil.which("redis-server") is None:
        pytest.skip("fault tests need redis-server on the PATH (to stop and start their own Redis)")
    admin = _postgres_or_skip()
    name = f"faults_template_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tutor.settings.local"}
    env.pop("REDIS_URL", None)
    try:
        for command in (["migrate", "--noinput"], ["load_course", "courses/demo"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True,
                           timeout=300)
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Stack:
    """One test's scratch database, Redis, workers and driver."""

    def __init__(self, database: str, redis_server: RedisServer, logs: Path):
        self.redis = redis_server
        self.logs = logs
        self.workers: list[subprocess.Popen] = []
        self.log_files = []
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tutor.settings.local",
            "DATABASE_URL": POSTGRES.rsplit("/", 1)[0] + f"/{database}", "REDIS_URL": redis_server.url,
            "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING", "TRACER_TRAITS_EVERY": "1000000",
        }

    def driver(self, command: str, *options: str, timeout: float = 300) -> dict:
        result = subprocess.run([PYTHON, "-m", "tests.faults.driver", command, *options], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_worker(self, queues: str = "") -> subprocess.Popen:
        """A worker of every queue, or of `queues` only ("interactive,updates": tutor/queues.py)."""
        name = f"faults{len(self.workers)}"
        log = (self.logs / f"{name}.log").open("w")  # the worker writes to it; closed in close()
        self.log_files.append(log)
        worker = subprocess.Popen(
            [CELERY, "-A", "tests.faults.worker_app", "worker", "--pool=solo", "-c", "1", "-l", "info", "-n",
             f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", *(["-Q", queues] if queues else [])],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers.append(worker)
        wait_for(lambda: "ready." in (self.logs / f"{name}.log").read_text(), timeout=60, what=f"worker {name} ready")
        return worker

    def kill(self, worker: subprocess.Popen):
        """SIGKILL: no warm shutdown, no chance to hand its message back."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def worker_log(self, tail: int | None = 2000) -> str:
        """The workers' logs (the last `tail` characters of each; None: all of them)."""
        return "\n".join(path.read_text()[-tail if tail else 0:] for path in sorted(self.logs.glob("faults*.log")))

    def close(self):
        for worker in self.workers:
            if worker.poll() is None:
                self.kill(worker)
        for log in self.log_files:
            log.close()


@pytest.fixture
def stack(migrated_template, tmp_path):
    admin = _postgres_or_skip()
    database = f"faults_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{migrated_template}"')
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    stack = Stack(database, redis_server, tmp_path)
    try:
        yield stack
    finally:
        stack.close()
        redis_server.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
