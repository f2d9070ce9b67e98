import asyncio
import os
import sys

import pytest


def pytest_sessionstart(session):
    """scripts/test_installed.sh runs the science tests against psikt as installed: a psikt read from the
    checkout instead would make that run a second run of the checkout, so it stops here."""
    installed_at = os.environ.get("PSIKT_INSTALLED_AT")
    if installed_at:
        import psikt

        if not psikt.__file__.startswith(installed_at):
            pytest.exit(f"psikt was imported from {psikt.__file__}, not from the installed {installed_at}", returncode=1)


@pytest.fixture
def valid_pack_path():
    from pathlib import Path

    return Path(__file__).parent / "tutor" / "packs" / "valid"


@pytest.fixture
def course(valid_pack_path):
    """The tiny course (tests/tutor/packs/valid), loaded as `load_course` loads it."""
    from io import StringIO

    from django.core.management import call_command

    from tutor.content.models import Course

    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    return Course.objects.get(slug="tiny")


@pytest.fixture
def classroom(course):
    """A class of the tiny course with its teacher ("teacher-a"), a human learner ("ada") and a model-student."""
    from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, ModelLearnerFactory, UserFactory
    from tutor.learning.models import Enrollment

    room = ClassroomFactory(course=course)
    room.teachers.add(UserFactory(role="teacher", username="teacher-a"))
    for learner in (HumanLearnerFactory(user__username="ada"), ModelLearnerFactory(label="sim-a")):
        Enrollment.objects.create(classroom=room, learner=learner)
    return room


@pytest.fixture
def fresh_cache():
    """The cache emptied before and after the test: the open-assignment horizon is cached per course
    id, and ids come back after a rollback, so one test's assignments must not steer the next's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def in_process_tasks():
    """Tasks scheduled by the code under test run right here, also when a broker is configured (the
    services pass); the broker and real workers are tested in tests/faults."""
    from tutor.celery import app

    app.conf.task_always_eager, before = True, app.conf.task_always_eager
    yield
    app.conf.task_always_eager = before


@pytest.fixture
async def channel_layer_of_this_test():
    """Sockets under test get a channel layer of their own, closed in the test's own event loop.

    Each async test runs its own loop, but Channels keeps one layer per process, and a Redis layer
    holds receive state and connections of the loop that used it. And a test that leaves a consumer
    running had it cancelled at the loop's end together with the layer's own helper tasks, all at
    once; with channels_redis that could leave a receive blocked on Redis for good (a CI run hung
    there). So leftover tasks are cancelled here oldest first, each with the chance to cancel its own
    children, within a bound; a task that will not stop fails the test with its stack on stderr."""
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    stuck = await _leftover_tasks_cancelled(timeout=10)
    for task in stuck:
        task.print_stack(file=sys.__stderr__)
    layer = channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    await asyncio.wait(stuck, timeout=5) if stuck else None  # closed connections end their reads
    assert not stuck, f"{len(stuck)} task(s) left by this test ignored cancellation (stacks on stderr)"


def _creation_order(task: asyncio.Task) -> int:
    name = task.get_name()  # "Task-<n>", numbered as created, unless a task was given a name
    return int(name.removeprefix("Task-")) if name.startswith("Task-") and name[5:].isdigit() else 0


async def _leftover_tasks_cancelled(timeout: float) -> list[asyncio.Task]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while leftovers := sorted((task for task in asyncio.all_tasks() if task is not asyncio.current_task()),
                              key=_creation_order):
        oldest = leftovers[0]
        oldest.cancel()
        await asyncio.wait([oldest], timeout=max(0.0, deadline - loop.time()))
        if not oldest.done():
            return leftovers
    return []
