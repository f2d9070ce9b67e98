"""HTTP side of the simulation client: one timed API session per worker thread, simulated learners
driven through `next` -> simulator answer -> `attempts` (two requests a step) or many at once through
a cohort's `step` endpoint (one request a step of many learners), and the read-back of what was stored.

Only the REST API is used (httpx); nothing here imports Django.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import numpy as np

from psikt.curriculum.simulate import World, session_time

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Simulated time starts at the Unix epoch, so the planners' clock (days since the epoch) reads exactly
# the benchmark's `session_time` days; simulated time only runs forward.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ClientError(Exception):
    """A problem the user can fix (bad URL, token, course); printed as one line, no traceback."""


def local_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientError(f"--url must look like http://127.0.0.1:8000, not {url!r}")
    if parts.hostname not in LOCAL_HOSTS:
        raise ClientError(f"only local servers may be driven (127.0.0.1 or localhost), not {parts.hostname!r}")
    return url.rstrip("/")


def simulated_timestamp(step: int) -> str:
    return (EPOCH + timedelta(days=session_time(step))).isoformat()


@dataclass
class Stats:
    """Latencies, statuses and acknowledged attempts, shared by all workers."""

    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))  # (end, ms)
    errors: Counter = field(default_factory=Counter)       # "endpoint status" -> count
    acknowledged: dict[int, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))  # learner -> id -> ts
    acknowledged_at: list[float] = field(default_factory=list)  # perf_counter() of each acknowledgement
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, end: float, ms: float, status: int | str) -> None:
        with self.lock:
            self.latencies[endpoint].append((end, ms))
            if not (isinstance(status, int) and status < 400):
                self.errors[f"{endpoint} {status}"] += 1


class Api:
    """One keep-alive connection to the API with a token; every call is timed into `stats`."""

    def __init__(self, base_url: str, token: str, stats: Stats, timeout: float = 30.0):
        self.stats = stats
        self.http = httpx.Client(base_url=f"{local_base_url(base_url)}/api/v1",
                                 headers={"Authorization": f"Token {token}"}, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def call(self, endpoint: str, method: str, path: str, **kwargs) -> httpx.Response | None:
        """The response, or None when the server could not be reached (recorded as an error)."""
        start = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.stats.record(endpoint, time.perf_counter(), (time.perf_counter() - start) * 1000,
                              type(error).__name__)
            return None
        end = time.perf_counter()
        self.stats.record(endpoint, end, (end - start) * 1000, response.status_code)
        return response


def check_server(base_url: str, token: str, course: str) -> None:
    """Fail early, with one clear line, on an unreachable server, a refused token or a missing course."""
    with httpx.Client(base_url=f"{local_base_url(base_url)}/api/v1", timeout=10.0,
                      headers={"Authorization": f"Token {token}"}) as http:
        try:
            response = http.get(f"/courses/{course}/")
        except httpx.TransportError as error:
            raise ClientError(f"cannot reach {base_url}: {error or type(error).__name__}") from None
        if response.status_code in (401, 403):
            raise ClientError(f"the server refused the token ({response.status_code}): "
                              f"{_detail(response)}; create one with manage.py create_api_client NAME")
        if response.status_code == 404:
            raise ClientError(f"no course {course!r} on {base_url}: load it with manage.py load_sim_course")
        if response.status_code != 200:
            raise ClientError(f"GET /courses/{course}/ answered {response.status_code}: {_detail(response)}")
        # The course endpoint may be public: make sure the token itself is accepted.
        probe = http.get("/learners/0/")
        if probe.status_code in (401, 403):
            raise ClientError(f"the server refused the token ({probe.status_code}): {_detail(probe)}")


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text[:200]))
    except ValueError:
        return response.text[:200]


def learner_create(api: Api, *, course: str, planner: str, external_id: str) -> int:
    response = api.call("create", "POST", "/learners/",
                        json={"course": course, "planner": planner, "external_id": external_id})
    if response is None or response.status_code != 201:
        status = "unreachable" if response is None else f"{response.status_code} {_detail(response)}"
        raise ClientError(f"creating a {planner} learner failed: {status}")
    return response.json()["id"]


def cohort_create(api: Api, *, course: str, planner: str, size: int) -> tuple[int, list[int]]:
    """A cohort of `size` learners: its id and its learners' ids, in creation order."""
    response = api.call("create", "POST", "/cohorts/", json={"course": course, "planner": planner, "size": size})
    if response is None or response.status_code != 201:
        status = "unreachable" if response is None else f"{response.status_code} {_detail(response)}"
        raise ClientError(f"creating a cohort of {size} {planner} learners failed: {status}")
    body = response.json()
    return body["id"], body["learners"]


class Learner:
    """One simulated student answering through the API; `step` is one next -> answer -> attempt
    (two requests), `entry` its part of a cohort step (CohortStepper)."""

    def __init__(self, world: World, student_index: int, learner_id: int, run: str):
        self.world, self.id, self.run = world, learner_id, run
        self.student = world.student(student_index)
        self.steps = 0
        self.answers = 0  # answers built: each gets its own idempotency key, re-sent only as it is
        self.served: dict | None = None  # the item served for the next answer (`step_single`)

    def answer(self, served: dict) -> dict:
        """The simulated student's answer to a served item (next/'s body), at this step's clock."""
        item = self.world.domain.item_index[served["reason"]["item"]]
        correct = self.student.answer(item, session_time(self.steps))
        self.answers += 1
        return {"item": served["item"]["id"], "correct": correct, "timestamp": simulated_timestamp(self.steps),
                "idempotency_key": f"{self.run}-{self.id}-{self.answers}"}

    def step(self, api: Api, retries: int = 2) -> bool:
        """One turn; False when it could not be completed (the error is in the stats)."""
        at = simulated_timestamp(self.steps)
        response = api.call("next", "GET", f"/learners/{self.id}/next/", params={"at": at})
        if response is None or response.status_code != 200:
            return False
        payload = self.answer(response.json())
        # Re-sending after a lost connection is what idempotency keys are for: the server records once.
        # A step tried again after a failure may answer another item: a new key, since the server
        # refuses a key re-sent with another body (422).
        for _ in range(retries + 1):
            response = api.call("attempts", "POST", f"/learners/{self.id}/attempts/", json=payload)
            if response is not None:
                break
        if response is None or response.status_code not in (200, 201):
            return False
        self.acknowledge(api.stats, response.json()["id"], at)
        return True

    def step_single(self, api: Api, retries: int = 2) -> bool:
        """One turn in one request: the answer to the item served before, with `"next": true` (the
        next item comes back with the verdict, served at the next step's moment, as `step` asks
        next/ for it); the first turn asks next/ once. False when it failed (the error is in the stats)."""
        at = simulated_timestamp(self.steps)
        if self.served is None:
            response = api.call("next", "GET", f"/learners/{self.id}/next/", params={"at": at})
            if response is None or response.status_code != 200:
                return False
            self.served = response.json()
        payload = self.answer(self.served) | {"next": True, "at": simulated_timestamp(self.steps + 1)}
        for _ in range(retries + 1):  # the same request again after a lost response (same key)
            response = api.call("attempts", "POST", f"/learners/{self.id}/attempts/", json=payload)
            if response is not None:
                break
        if response is None or response.status_code not in (200, 201):
            return False
        body = response.json()
        self.acknowledge(api.stats, body["id"], at)
        self.served = body["next"]
        return True

    def acknowledge(self, stats: Stats, attempt: int, at: str) -> None:
        with stats.lock:
            stats.acknowledged[self.id][attempt] = at
            stats.acknowledged_at.append(time.perf_counter())
        self.steps += 1


class CohortStepper:
    """Learners of one cohort stepped together through `cohorts/{id}/step/`, one request per step of
    all of them: each entry answers the item the previous step served its learner (none the first
    time) and asks for the next one at the learner's next simulated moment, as the two-request
    `Learner.step` asks for it."""

    def __init__(self, cohort: int, learners: list[Learner]):
        self.cohort, self.learners = cohort, learners
        self.served: dict[int, dict] = {}  # learner id -> the item last served to it (next/'s body)

    def step(self, api: Api, steps: int, retries: int = 2) -> bool:
        """One request for those of the learners with answers left to give; False when it failed
        whole (the error is in the stats). Entries that failed leave their learner where it was."""
        stepping = [learner for learner in self.learners if learner.steps < steps]
        entries, moments = [], {}
        for learner in stepping:
            entry = {"learner": learner.id}
            if learner.id in self.served:
                entry |= learner.answer(self.served[learner.id])
                moments[learner.id] = entry["timestamp"]
            entries.append(entry | {"at": simulated_timestamp(learner.steps + (learner.id in self.served))})
        for _ in range(retries + 1):  # the same entries again after a lost response (same keys)
            response = api.call("step", "POST", f"/cohorts/{self.cohort}/step/", json={"entries": entries})
            if response is not None:
                break
        if response is None or response.status_code != 200:
            return False
        for learner, result in zip(stepping, response.json()["results"], strict=True):
            if result["status"] >= 400:
                with api.stats.lock:
                    api.stats.errors[f"step entry {result['status']}"] += 1
                continue
            if "attempt" in result:
                learner.acknowledge(api.stats, result["attempt"]["id"], moments[learner.id])
            self.served[learner.id] = result["next"]
        return True

    def done(self, steps: int) -> bool:
        return all(learner.steps >= steps for learner in self.learners)


def stored_attempts(api: Api, learner_id: int) -> list[dict]:
    """Every stored attempt of a learner, through the API's paginated history."""
    rows, path, params = [], f"/learners/{learner_id}/attempts/", {"limit": 500}
    while path:
        response = api.call("history", "GET", path, params=params)
        if response is None or response.status_code != 200:
            raise ClientError(f"reading back learner {learner_id}'s attempts failed")
        page = response.json()
        rows.extend(page["results"])
        path, params = page["next"], None
    return rows


def reconcile(api: Api, stats: Stats) -> dict:
    """Acknowledged vs stored: lost = acknowledged but not stored; duplicated = one answer (one
    simulated timestamp) stored more than once."""
    acknowledged = lost = duplicated = stored = 0
    for learner_id, acked in stats.acknowledged.items():
        rows = stored_attempts(api, learner_id)
        stored += len(rows)
        ids = {row["id"] for row in rows}
        acknowledged += len(acked)
        lost += sum(1 for attempt in acked if attempt not in ids)
        per_moment = Counter(row["timestamp"] for row in rows)
        duplicated += sum(n - 1 for n in per_moment.values() if n > 1)
    return {"acknowledged": acknowledged, "stored": stored, "lost": lost, "duplicated": duplicated}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"n": len(values), "p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2),
            "p99_ms": round(float(p99), 2), "max_ms": round(float(max(values)), 2)}
