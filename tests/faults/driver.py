"""Drives the application inside a scratch database for the fault tests, one command per process:

    python -m tests.faults.driver COMMAND [options]   (DATABASE_URL and REDIS_URL set by the test)

It prints one JSON line with what it did or found. It is a separate process so that the test's own
process, with its test database, never touches the scratch database the workers use.
"""

import argparse
import asyncio
import json
import os
import threading
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.local")
django.setup()

import numpy as np
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction
from django.db.models import Count
from django.utils import timezone

from tutor.accounts.models import User
from tutor.content.models import Course, Item
from tutor.dashboard.services import class_group
from tutor.learning import refit
from tutor.learning.knowledge import learner_state_rebuild, next_item_choose
from tutor.learning.models import Attempt, Classroom, Enrollment, Learner, LearnerState, TracerModel, TutorTurn
from tutor.learning.services import learner_for_user
from tutor.learning.tasks import tracer_refit
from tutor.learning.tutoring import tutor_turn_take

START = timezone.now() - timedelta(days=30)


def _course() -> Course:
    return Course.objects.get(slug="demo-algebra")


def _items(course: Course) -> list[Item]:
    return list(Item.objects.filter(course=course, template__isnull=True).select_related("course").order_by("id"))


def _learners(tag: str, count: int, course: Course) -> list[Learner]:
    classroom, _ = Classroom.objects.get_or_create(name=f"faults-{tag}", course=course)
    learners = []
    for n in range(count):
        user, _ = User.objects.get_or_create(username=f"faults-{tag}-{n}")
        learner = learner_for_user(user=user)
        Enrollment.objects.get_or_create(classroom=classroom, learner=learner)
        learners.append(learner)
    return learners


def _answer(learner: Learner, item: Item, n: int, key: str = "") -> bool:
    """The learner's n-th self-graded answer, a minute after the previous one, in a visit of its own
    (as a client calls next/ before each answer; within one visit a solved item takes no new
    answer, and the driver's items come round again); True if it was new."""
    rng = np.random.default_rng([learner.pk, n])
    next_item_choose(learner=learner, course=item.course, now=START + timedelta(minutes=n))
    result = tutor_turn_take(learner=learner, item=item, source="api", graded=bool(rng.random() < 0.6),
                             answered_at=START + timedelta(minutes=n), idempotency_key=key)
    return result.created


def practise(args) -> dict:
    """Learners answer one after the other; every failure is reported, none is swallowed."""
    course = _course()
    items = _items(course)
    errors, created = [], 0
    for learner in _learners(args.tag, args.learners, course):
        done = learner.attempts.count()
        for n in range(done, done + args.answers):
            try:
                created += _answer(learner, items[n % len(items)], n, key=f"{learner.pk}-{n}")
            except Exception as error:  # noqa: BLE001 - reported to the test, which asserts there are none
                errors.append(f"{type(error).__name__}: {error}")
    return {"created": created, "errors": errors[:5], "error_count": len(errors)}


def soak(args) -> dict:
    """`learners` threads, one learner each, answer `answers` times at once; every 10th answer is
    sent twice with its idempotency key (a client retrying after a timeout)."""
    course = _course()
    items = _items(course)
    learners = _learners(args.tag, args.learners, course)
    errors, replays_created = [], []

    def run(learner: Learner):
        try:
            for n in range(args.answers):
                key = f"{learner.pk}-{n}"
                _answer(learner, items[(n * 7 + learner.pk) % len(items)], n, key=key)
                if n % 10 == 0 and _answer(learner, items[(n * 7 + learner.pk) % len(items)], n, key=key):
                    replays_created.append(key)
        except Exception as error:  # noqa: BLE001 - collected, reported and asserted on by the test
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": round(time.perf_counter() - started, 1), "errors": errors[:5], "error_count": len(errors),
            "replays_created": len(replays_created)}


def verify(args) -> dict:
    """The log and every stored state, checked: answers per learner, duplicates, and each state
    against a rebuild from the log (and, with --traits, its traits against a fresh estimate)."""
    learners = Learner.objects.filter(user__username__startswith=f"faults-{args.tag}-")
    attempts = Attempt.objects.filter(learner__in=learners)
    duplicates = (attempts.values("learner_id", "idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count())
    per_learner = sorted(set(attempts.values("learner_id").annotate(n=Count("id")).values_list("n", flat=True)))
    mismatched, traits_off, estimated = [], [], 0
    for state in LearnerState.objects.filter(learner__in=learners).select_related("learner", "course"):
        with transaction.atomic():
            locked = LearnerState.objects.select_for_update().get(pk=state.pk)
            stored = (locked.tracer_state, locked.planner_state, locked.last_attempt_id)
            engine = refit.course_engine(state.course)
            learner_state_rebuild(state=locked, engine=engine)
            # Compared as stored (JSON): the planners' tuples come back from the database as lists.
            rebuilt = json.loads(json.dumps([locked.tracer_state, locked.planner_state, locked.last_attempt_id]))
            if rebuilt != list(stored):
                # Which parts differ, so that a failing run says where to look.
                mismatched.append({"learner": state.learner_id, "last_attempt": [stored[2], rebuilt[2]],
                                   "tracer": sorted(k for k in stored[0] if stored[0][k] != rebuilt[0].get(k)),
                                   "planner": sorted(k for k in stored[1] if stored[1][k] != rebuilt[1].get(k))})
            if args.traits:
                window = refit.learner_traits_window(state=locked)
                tracer = engine.tracer
                expected = refit.traits_from_window(engine, window)
                if not np.allclose(expected, stored[0]["traits"], atol=1e-4):
                    traits_off.append(state.learner_id)
                estimated += stored[0]["traits"] != tracer.new_learner()["traits"]
            transaction.set_rollback(True)
    return {"learners": learners.count(), "attempts": attempts.count(), "per_learner": per_learner,
            "duplicates": duplicates, "mismatched_states": mismatched, "traits_off": traits_off,
            "traits_estimated": estimated}


def enqueue_refit(args) -> dict:
    return {"task": tracer_refit.delay(_course().pk, args.epochs, True).id, "course": _course().pk}


def model_turn(args) -> dict:
    """A learner asks for help over the API with a model backend (LLM_* in the environment): the turn is
    stored pending and its generation queued; returns the turn's id without waiting for it."""
    course = _course()
    learner = _learners(args.tag, 1, course)[0]
    item, _reason = next_item_choose(learner=learner, course=course, now=timezone.now())
    result = tutor_turn_take(learner=learner, item=item, source="api", message="I don't know where to start")
    return {"turn": result.turn.pk, "status": result.turn.status}


def turn_status(args) -> dict:
    turn = TutorTurn.objects.get(pk=args.turn)
    return {"status": turn.status, "text": turn.text}


def models(args) -> dict:
    rows = TracerModel.objects.filter(course=_course()).order_by("pk")
    return {"models": [{"id": m.pk, "active": m.is_active, "owner": m.metrics.get("owner"),
                        "loads": bool(m.load().kcs)} for m in rows]}


def push(args) -> dict:
    """Listen on a class's live-overview group, answer once as one of its learners, and report
    whether the push arrived."""
    course = _course()
    learner = _learners(args.tag, 1, course)[0]
    classroom = Classroom.objects.get(name=f"faults-{args.tag}")
    layer = get_channel_layer()

    async def listen_and_answer():
        channel = await layer.new_channel()
        await layer.group_add(class_group(classroom.pk), channel)
        n = await sync_to_async(learner.attempts.count)()
        item = await sync_to_async(lambda: _items(course)[0])()
        await sync_to_async(_answer)(learner, item, n, f"push-{n}")
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=10)
        except TimeoutError:
            return None
        return message["type"]

    return {"received": async_to_sync(listen_and_answer)()}


COMMANDS = {"practise": practise, "soak": soak, "verify": verify, "enqueue_refit": enqueue_refit,
            "models": models, "push": push, "model_turn": model_turn, "turn_status": turn_status}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--tag", default="a")
    parser.add_argument("--learners", type=int, default=1)
    parser.add_argument("--answers", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--traits", action="store_true")
    parser.add_argument("--turn", type=int)
    options = parser.parse_args()
    print(json.dumps(COMMANDS[options.command](options)))
