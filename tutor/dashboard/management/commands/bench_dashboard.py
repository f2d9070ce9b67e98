"""Server-side time and query count of the class overview on a synthetic class. Everything it
creates is rolled back unless --keep is given."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tutor.accounts.models import User
from tutor.dashboard.services import class_aggregates_invalidate, synthetic_class_create


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the teacher overview of a synthetic class (median, p95 in ms; queries per request)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=30)
        parser.add_argument("--kcs", type=int, default=20)
        parser.add_argument("--answers", type=int, default=60, help="answers per learner")
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--keep", action="store_true", help="keep the synthetic class (and print its URL)")

    def handle(self, *args, learners: int, kcs: int, answers: int, runs: int, keep: bool, **options):
        if min(learners, kcs, runs) < 1 or answers < 0:
            raise CommandError("--learners, --kcs and --runs must be at least 1, --answers at least 0")
        try:
            with transaction.atomic():
                self._bench(learners, kcs, answers, runs, keep)
                if not keep:
                    raise _Rollback
        except _Rollback:
            pass

    def _bench(self, learners: int, kcs: int, answers: int, runs: int, keep: bool):
        self.stdout.write(f"creating a class of {learners} learners x {kcs} KCs, {answers} answers each ...")
        classroom = synthetic_class_create(learners=learners, kcs=kcs, answers=answers)
        teacher = User.objects.create_user(f"bench-teacher-{classroom.pk}", role=User.Role.TEACHER)
        classroom.teachers.add(teacher)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(teacher)
        url = reverse("dashboard:overview", args=[classroom.pk])
        client.get(url)  # warm-up: builds the course engine once, as a running server has
        results = {}
        for label, cold in (("uncached", True), ("cached", False)):
            timings, queries = [], set()
            for _ in range(runs):
                if cold:
                    class_aggregates_invalidate(classroom_ids=[classroom.pk])
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"the overview answered {response.status_code}")
                queries.add(len(captured))
            timings.sort()
            results[label] = (statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], sorted(queries))
        for label, (median, p95, queries) in results.items():
            self.stdout.write(f"overview, {learners} learners x {kcs} KCs, {label}: median {median:.1f} ms, "
                              f"p95 {p95:.1f} ms, {'/'.join(map(str, queries))} queries ({runs} runs)")
        if keep:
            self.stdout.write(f"kept: {url} (teacher {teacher.username}, no password: use the admin to set one)")
