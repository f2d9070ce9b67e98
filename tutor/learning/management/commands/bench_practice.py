"""Server time of the practice page's requests, as a learner makes them: the page, its step list and
mastery fragments, the answer preview and "Next item" (a skip), in process through Django's test
client (no network, no browser). Everything it writes is rolled back."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tutor.accounts.models import User
from tutor.content.models import Course
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import LearnerState
from tutor.learning.services import learner_for_user


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure the practice page's requests (median, p95, max in ms per request kind); writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--course", default="demo-algebra")
        parser.add_argument("--rounds", type=int, default=50)

    def handle(self, *args, course: str, rounds: int, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}: run python manage.py load_course courses/demo first")
        timings: dict[str, list[float]] = {}
        try:
            with transaction.atomic():
                self._measure(found, rounds, timings)
                raise _Rollback
        except _Rollback:
            pass
        for kind, values in timings.items():
            values.sort()
            p95 = values[int(0.95 * (len(values) - 1))]
            self.stdout.write(f"{kind:12} {len(values):4} requests: median {statistics.median(values):.1f} ms, "
                              f"p95 {p95:.1f} ms, max {values[-1]:.1f} ms")

    def _measure(self, course: Course, rounds: int, timings: dict[str, list[float]]) -> None:
        user = User.objects.create_user("bench-practice-learner")
        learner = learner_for_user(user=user)
        client = Client(HTTP_HOST="127.0.0.1")  # a host the settings allow
        client.force_login(user)
        next_item_choose(learner=learner, course=course)

        def timed(kind: str, send, url: str, data: dict | None = None) -> None:
            started = time.perf_counter()
            response = send(url, data or {})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code >= 400:
                raise CommandError(f"{kind}: HTTP {response.status_code}")
            timings.setdefault(kind, []).append(elapsed)

        page = reverse("practice", args=[course.slug])
        client.get(page)  # warm-up: builds the course engine once, as a running server has
        for _ in range(rounds):
            item = LearnerState.objects.get(learner=learner, course=course).current_item
            step = item.steps.order_by("position").first()
            timed("page", client.get, page)
            timed("steps", client.get, reverse("practice-steps", args=[course.slug]), {"item": item.pk})
            timed("mastery", client.get, reverse("practice-mastery", args=[course.slug]))
            timed("preview", client.get, reverse("practice-preview"),
                  {"item": item.pk, "step": step.key, "text": "3x + 2"})
            timed("next (skip)", client.post, reverse("practice-next", args=[course.slug]))
