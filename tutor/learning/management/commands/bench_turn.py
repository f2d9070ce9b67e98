"""Server-side latency of one full tutor turn (check, tracer update, policy, rule generation, guard,
persist) on a loaded course. Everything it writes is rolled back."""

import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tutor.accounts.models import User
from tutor.content.models import Course
from tutor.learning.knowledge import next_item_choose
from tutor.learning.services import learner_for_user
from tutor.learning.tutoring import tutor_turn_take


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure full tutor turns with the rule backend (median, p95, max in ms); writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--course", default="demo-algebra")
        parser.add_argument("--turns", type=int, default=200)

    def handle(self, *args, course: str, turns: int, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}: run python manage.py load_course courses/demo first")
        timings = []
        try:
            with transaction.atomic():
                learner = learner_for_user(user=User.objects.create_user("bench-turn-learner"))
                clock = timezone.now()
                item, _ = next_item_choose(learner=learner, course=found, now=clock)
                # Warm-up: builds the course engine (tracer, planner) once, as a running server has.
                tutor_turn_take(learner=learner, item=item, answered_at=clock, source="web", answer="0")
                for n in range(turns):
                    clock += timedelta(seconds=30)
                    step = item.steps.order_by("position").first()
                    started = time.perf_counter()
                    tutor_turn_take(learner=learner, item=item, answered_at=clock, source="web",
                                    step_key=step.key if n % 2 else "", answer=str(n % 7))
                    timings.append((time.perf_counter() - started) * 1000)
                    if n % 5 == 4:
                        item, _ = next_item_choose(learner=learner, course=found, now=clock)
                raise _Rollback
        except _Rollback:
            pass
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        self.stdout.write(
            f"{len(timings)} turns, rule backend: median {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
        )
