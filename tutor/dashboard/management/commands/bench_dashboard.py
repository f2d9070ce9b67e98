"""Server-side time and query count of the class overview (and, with --pages overview,now, of the live
"now" page) on a synthetic class. Everything it creates is rolled back unless --keep is given; with
--keep --password the teacher can log in, for the browser's half (scripts/bench_class_pages.py)."""

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


# page -> its series: (label, whether the class's cached aggregates are dropped before each request).
# The "now" page reads the log afresh on every request: it has no cache to drop.
PAGES = {"overview": (("uncached", True), ("cached", False)), "now": (("no cache", False),)}


class Command(BaseCommand):
    help = "Time a synthetic class's overview and 'now' page (median, p95 in ms; queries per request)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=30)
        parser.add_argument("--kcs", type=int, default=20)
        parser.add_argument("--answers", type=int, default=60, help="answers per learner")
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--pages", default="overview", help="comma-separated: overview, now")
        parser.add_argument("--keep", action="store_true", help="keep the synthetic class (and print its URL)")
        parser.add_argument("--password", default="", help="with --keep: the teacher's password")

    def handle(self, *args, learners: int, kcs: int, answers: int, runs: int, pages: str, keep: bool, password: str,
               **options):
        if min(learners, kcs, runs) < 1 or answers < 0:
            raise CommandError("--learners, --kcs and --runs must be at least 1, --answers at least 0")
        chosen = pages.split(",")
        if not chosen or set(chosen) - set(PAGES):
            raise CommandError(f"--pages takes a comma-separated list of {', '.join(PAGES)}, got {pages!r}")
        try:
            with transaction.atomic():
                self._bench(learners, kcs, answers, runs, chosen, keep, password)
                if not keep:
                    raise _Rollback
        except _Rollback:
            pass

    def _bench(self, learners: int, kcs: int, answers: int, runs: int, pages: list[str], keep: bool, password: str):
        self.stdout.write(f"creating a class of {learners} learners x {kcs} KCs, {answers} answers each ...")
        classroom = synthetic_class_create(learners=learners, kcs=kcs, answers=answers)
        teacher = User.objects.create_user(f"bench-teacher-{classroom.pk}", password=password or None,
                                           role=User.Role.TEACHER)
        classroom.teachers.add(teacher)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(teacher)
        for page in pages:
            url = reverse(f"dashboard:{page}", args=[classroom.pk])
            client.get(url)  # warm-up: builds the course engine once, as a running server has
            for label, cold in PAGES[page]:
                timings, cpu, queries = [], [], set()
                for _ in range(runs):
                    if cold:
                        class_aggregates_invalidate(classroom_ids=[classroom.pk])
                    with CaptureQueriesContext(connection) as captured:
                        started, started_cpu = time.perf_counter(), time.process_time()
                        response = client.get(url)
                        timings.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - started_cpu) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"the {page} page answered {response.status_code}")
                    queries.add(len(captured))
                timings.sort()
                # CPU time of this process (SQLite runs in it; PostgreSQL and Redis do not): on a loaded
                # machine it moves far less than the wall time.
                self.stdout.write(
                    f"{page}, {learners} learners x {kcs} KCs, {label}: median {statistics.median(timings):.1f} ms, "
                    f"p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms, CPU median {statistics.median(cpu):.1f} ms, "
                    f"{'/'.join(map(str, sorted(queries)))} queries ({runs} runs)")
        if keep:
            login = f"password {password!r}" if password else "no password: use the admin to set one"
            self.stdout.write(f"kept: class {classroom.pk} (teacher {teacher.username}, {login})")
