"""CPU and queries per API request, in process (DRF's test client: no network, no server), for the
tutoring loop a model-student drives, two ways: `GET next/` then a self-graded `POST attempts/` (two
requests a step), and the single step (`POST attempts/` with `"next": true`, one request a step, the
next item in its response; issue 19's target is 10 ms of server CPU for it); and, as the
floor any endpoint pays, a read that does no tutoring (`GET /api/v1/courses/`: token lookup,
throttle, routing, rendering). The load target of docs/benchmarks.md is checked against these
figures. Everything it writes is rolled back."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from psikt.curriculum import DEFAULT_PLANNER
from tutor.accounts.models import ApiClient
from tutor.content.models import Course
from tutor.learning.services import cohort_create

FLOOR_PATH = "/api/v1/courses/"


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "CPU ms and queries per next + attempts turn and per minimal authenticated read; writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--course", default="demo-algebra")
        parser.add_argument("--planner", default=DEFAULT_PLANNER)
        parser.add_argument("--learners", type=int, default=8)
        parser.add_argument("--turns", type=int, default=160, help="measured turns, spread over the learners")

    def handle(self, *args, course: str, planner: str, learners: int, turns: int, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}: load it first (load_course or load_sim_course)")
        if learners < 1 or turns < learners:
            raise CommandError("--learners must be at least 1 and --turns at least --learners")
        try:
            with transaction.atomic():
                figures = self._measure(found, planner, learners, turns)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(
            f"{figures['turns']} turns ({planner}, {learners} learners), in process: "
            f"{figures['turn_ms']:.1f} ms CPU per turn; queries per next {figures['next_q']:.1f}, "
            f"per attempts {figures['attempts_q']:.1f}\n"
            f"single step (attempts/ with next): {figures['step_ms']:.1f} ms CPU per step, "
            f"{figures['step_q']:.1f} queries\n"
            f"GET {FLOOR_PATH}: {figures['floor_ms']:.2f} ms CPU per request, {figures['floor_q']} queries"
        )

    def _measure(self, course: Course, planner: str, learners: int, turns: int) -> dict:
        client = ApiClient(name="bench-api-cost")
        token = client.issue_token()
        client.save()
        api = APIClient(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {token}")
        cohort = cohort_create(api_client=client, course=course, planner=planner, size=learners)
        ids = list(cohort.learners.values_list("pk", flat=True))
        rng, clock = random.Random(0), timezone.now()
        queries = {"next": 0, "attempts": 0}

        def turn(learner: int) -> None:
            nonlocal clock
            clock += timedelta(seconds=30)
            with CaptureQueriesContext(connection) as seen:
                response = api.get(f"/api/v1/learners/{learner}/next/", {"at": clock.isoformat()})
            queries["next"] += len(seen.captured_queries)
            if response.status_code != 200:
                raise CommandError(f"next failed: {response.status_code} {response.content[:300]!r}")
            answer = {"item": response.json()["item"]["id"], "correct": rng.random() < 0.6, "timestamp": clock.isoformat()}
            with CaptureQueriesContext(connection) as seen:
                response = api.post(f"/api/v1/learners/{learner}/attempts/", answer, format="json")
            queries["attempts"] += len(seen.captured_queries)
            if response.status_code != 201:
                raise CommandError(f"attempt failed: {response.status_code} {response.content[:300]!r}")

        for learner in ids:  # warm-up: builds the course engine once, as a running server has
            turn(learner)
        queries = {"next": 0, "attempts": 0}
        rounds = turns // learners
        started = time.process_time()
        for _ in range(rounds):
            for learner in ids:
                turn(learner)
        turn_ms = (time.process_time() - started) / (rounds * learners) * 1000
        step_ms, step_q = self._single_steps(api, ids, rounds, rng, clock)
        with CaptureQueriesContext(connection) as seen:
            api.get(FLOOR_PATH)
        floor_q = len(seen.captured_queries)
        started = time.process_time()
        for _ in range(turns):
            if api.get(FLOOR_PATH).status_code != 200:
                raise CommandError(f"GET {FLOOR_PATH} failed")
        floor_ms = (time.process_time() - started) / turns * 1000
        done = rounds * learners
        return {"turns": done, "turn_ms": turn_ms, "next_q": queries["next"] / done,
                "attempts_q": queries["attempts"] / done, "floor_ms": floor_ms, "floor_q": floor_q,
                "step_ms": step_ms, "step_q": step_q}

    @staticmethod
    def _single_steps(api: APIClient, ids: list[int], rounds: int, rng: random.Random, clock) -> tuple[float, float]:
        """CPU ms and queries per single step, over `rounds` steps of each learner (after one warm-up
        step each, which also takes the item next/ served them)."""
        served = {learner: api.get(f"/api/v1/learners/{learner}/next/", {"at": clock.isoformat()}).json()["item"]["id"]
                  for learner in ids}

        def step(learner: int) -> int:
            nonlocal clock
            clock += timedelta(seconds=30)
            body = {"item": served[learner], "correct": rng.random() < 0.6, "timestamp": clock.isoformat(),
                    "next": True}
            with CaptureQueriesContext(connection) as seen:
                response = api.post(f"/api/v1/learners/{learner}/attempts/", body, format="json")
            if response.status_code != 201:
                raise CommandError(f"single step failed: {response.status_code} {response.content[:300]!r}")
            served[learner] = response.json()["next"]["item"]["id"]
            return len(seen.captured_queries)

        for learner in ids:
            step(learner)
        queries, started = 0, time.process_time()
        for _ in range(rounds):
            for learner in ids:
                queries += step(learner)
        done = rounds * len(ids)
        return (time.process_time() - started) / done * 1000, queries / done
