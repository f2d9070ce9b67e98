"""Every task of the project has a queue of its kind (tutor/queues.py), and the settings use them."""

from django.conf import settings

from tutor import queues
from tutor.celery import app


def _project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith("tutor.")}


def test_every_project_task_is_routed_to_a_declared_queue():
    declared = {queue.name for queue in queues.QUEUES}
    tasks = _project_tasks()
    assert tasks, "no task of the project was found: the check would pass vacuously"
    assert tasks <= set(queues.ROUTES), f"tasks without a queue: {sorted(tasks - set(queues.ROUTES))}"
    assert {route["queue"] for route in queues.ROUTES.values()} <= declared


def test_a_tutor_reply_never_shares_a_queue_with_a_refit():
    assert queues.ROUTES["tutor.learning.tasks.tutor_turn_generate"]["queue"] == queues.INTERACTIVE
    assert queues.ROUTES["tutor.learning.tasks.tracer_refit"]["queue"] == queues.LONG


def test_the_settings_declare_the_queues_and_routes():
    assert settings.CELERY_TASK_ROUTES == queues.ROUTES
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == ["interactive", "updates", "long"]
    assert settings.CELERY_TASK_DEFAULT_QUEUE == queues.DEFAULT_QUEUE
