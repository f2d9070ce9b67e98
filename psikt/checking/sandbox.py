"""A small pool of long-lived worker processes that run algebraic comparisons under limits.

Each worker has an address-space limit (set by the worker itself at start) and every request a
wall-clock deadline: a worker that misses it is killed and replaced, and the learner is told the
answer could not be read. Workers live across requests because starting Python and importing
sympy costs far more than a typical comparison.
"""

import json
import os
import queue
import select
import subprocess
import sys
import threading
from pathlib import Path

from .errors import CouldNotRead

# The folder that holds the psikt package (the checkout, or site-packages where psikt is installed): the
# worker imports psikt from there and from nowhere else.
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
TOO_COMPLICATED = "That expression is too complicated for me to check; could you write it more simply?"
UNAVAILABLE = "The answer checker is unavailable right now; please try again in a moment."


class _Worker:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(_PACKAGE_PARENT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "psikt.checking.worker", str(self.memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_PACKAGE_PARENT,
            env=env,
            text=True,
        )
        if self._read_line(process, START_TIMEOUT_SECONDS) != "ready":
            self._kill(process)
            raise CouldNotRead(UNAVAILABLE)
        return process

    @staticmethod
    def _read_line(process: subprocess.Popen, timeout: float) -> str | None:
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            return None
        line = process.stdout.readline()
        return line.strip() if line else None

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()

    def request(self, payload: dict, timeout: float) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        try:
            self.process.stdin.write(json.dumps(payload) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            reply_line = None
        else:
            reply_line = self._read_line(self.process, timeout)
        if reply_line is None:
            # Too slow or dead (e.g. out of memory): never reuse a worker in an unknown state.
            self._kill(self.process)
            self.process = None
            raise CouldNotRead(TOO_COMPLICATED)
        return json.loads(reply_line)

    def close(self) -> None:
        if self.process is not None:
            self._kill(self.process)
            self.process = None


class CheckerPool:
    def __init__(self, size: int = 2, timeout_seconds: float = 2.0, memory_mb: int = 512):
        self.timeout_seconds = timeout_seconds
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(size):
            self._idle.put(_Worker(memory_mb))

    def _ask(self, payload: dict) -> dict:
        worker = self._idle.get()
        try:
            reply = worker.request(payload, self.timeout_seconds)
        finally:
            self._idle.put(worker)
        if "unreadable" in reply:
            raise CouldNotRead(reply["unreadable"])
        return reply

    def judge(self, spec: dict, given: str, mistakes: list[str]) -> dict:
        """{"verdict", "index", "reason"} for one answer (see answers.judge); raises CouldNotRead."""
        return self._ask({"op": "judge", "spec": spec, "given": given, "mistakes": list(mistakes)})

    def preview(self, spec: dict, text: str) -> dict:
        """{"ok", "mathml", "message"} for the answer preview (see answers.preview); raises CouldNotRead."""
        return self._ask({"op": "preview", "spec": spec, "text": text})["preview"]

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get().close()


_default_pool: CheckerPool | None = None
_default_pool_lock = threading.Lock()


def default_pool() -> CheckerPool:
    """The process-wide pool, sized and limited by CHECKER_WORKERS / CHECKER_TIMEOUT_SECONDS / CHECKER_MEMORY_MB."""
    global _default_pool
    with _default_pool_lock:
        if _default_pool is None:
            _default_pool = CheckerPool(
                size=int(os.environ.get("CHECKER_WORKERS", "2")),
                timeout_seconds=float(os.environ.get("CHECKER_TIMEOUT_SECONDS", "2")),
                memory_mb=int(os.environ.get("CHECKER_MEMORY_MB", "512")),
            )
        return _default_pool
