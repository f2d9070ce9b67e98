"""Throughput of recording attempts over the API, in process (no network, no server): one batch
request against the same attempts sent one request each. Everything it writes is rolled back."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from tutor.accounts.models import ApiClient
from tutor.content.models import Course
from tutor.learning.services import cohort_create

from ...serializers import MAX_BATCH


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Attempts/s through POST /api/v1/attempts/batch/ and through single POSTs; writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--course", default="demo-algebra")
        parser.add_argument("--learners", type=int, default=20)
        parser.add_argument("--attempts", type=int, default=MAX_BATCH, help=f"per way of sending (<= {MAX_BATCH})")

    def handle(self, *args, course: str, learners: int, attempts: int, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}: run python manage.py load_course courses/demo first")
        if not 1 <= attempts <= MAX_BATCH:
            raise CommandError(f"--attempts must be 1 to {MAX_BATCH}")
        items = list(found.items.filter(template__isnull=True).values_list("pk", flat=True))
        rng = random.Random(0)
        try:
            with transaction.atomic():
                client = ApiClient(name="bench-batch")
                token = client.issue_token()
                client.save()
                api = APIClient(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {token}")
                clock = timezone.now()

                def entries(ids: list[int]) -> list[dict]:
                    # Each learner answers items it has not answered yet: a second answer to an item
                    # solved in the same visit is a replay that stores nothing (docs/architecture.md).
                    nonlocal clock
                    unanswered = {learner: rng.sample(items, len(items)) for learner in ids}
                    rows = []
                    for n in range(attempts):
                        clock += timedelta(seconds=30)
                        learner = ids[n % len(ids)]
                        rows.append({"learner": learner, "item": unanswered[learner].pop(),
                                     "correct": rng.random() < 0.6, "timestamp": clock.isoformat()})
                    return rows

                def cohort() -> list[int]:
                    made = cohort_create(api_client=client, course=found, planner="adaptive", size=learners)
                    return list(made.learners.values_list("pk", flat=True))

                # Warm-up: builds the course engine once, as a running server has.
                api.post("/api/v1/attempts/batch/", {"attempts": entries(cohort())[:learners]}, format="json")
                batch = entries(cohort())
                started = time.perf_counter()
                response = api.post("/api/v1/attempts/batch/", {"attempts": batch}, format="json")
                batch_s = time.perf_counter() - started
                if response.status_code != 200 or response.json()["failed"]:
                    raise CommandError(f"batch failed: {response.status_code} {response.content[:300]!r}")
                singles = entries(cohort())
                started = time.perf_counter()
                for row in singles:
                    learner = row.pop("learner")
                    answer = api.post(f"/api/v1/learners/{learner}/attempts/", row, format="json")
                    if answer.status_code != 201:
                        raise CommandError(f"attempt failed: {answer.status_code} {answer.content[:300]!r}")
                single_s = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(
            f"{attempts} attempts, {learners} learners, in process: one batch {batch_s:.2f} s "
            f"({attempts / batch_s:.0f} attempts/s); single requests {single_s:.2f} s ({attempts / single_s:.0f} attempts/s)"
        )
