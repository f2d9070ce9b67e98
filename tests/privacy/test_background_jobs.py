"""Tracer refits as versions (lock, idempotence, switch, rollback), the refresh and trait jobs, and
their entry points (tasks, commands, admin, beat schedule). The services run here in-process; the
worker processes, Redis and SIGKILL are in tests/faults."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, now
from tutor.celery import app
from tutor.learning import refit, tasks
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import learner_state_rebuild
from tutor.learning.models import Enrollment, LearnerState, TracerModel
from tutor.privacy.services import learner_erase

from .conftest import ANSWERS, practise

pytestmark = pytest.mark.django_db


def served(course) -> list[tuple[int, bool]]:
    return list(TracerModel.objects.filter(course=course).order_by("pk").values_list("pk", "is_active"))


def test_refit_stores_one_whole_version_and_serves_it(people):
    course = people["classroom"].course
    before = course_engine(course).version
    model = refit.tracer_refit(course=course, owner="job-1", epochs=2)
    assert served(course) == [(model.pk, True)]
    assert model.metrics["trained_on"] == {"attempts": 7, "learners": 2, "last_attempt_id": model.metrics[
        "trained_on"]["last_attempt_id"]}
    assert model.metrics["owner"] == "job-1" and model.metrics["epochs_run"] >= 1
    assert model.load().kcs == course_engine(course).tracer.kcs  # every KC of the course, whole
    assert course_engine(course).version == before.rsplit(":", 1)[0] + f":{model.pk}"


def test_refit_with_a_bootstrap_stores_every_edge_with_an_interval(people, settings):
    settings.TRACER_EDGE_BOOTSTRAP = 2
    course = people["classroom"].course
    graph = refit.tracer_refit(course=course, owner="job-boot", epochs=1).load().prerequisites()
    assert graph.low is not None and graph.low.shape == graph.matrix.shape
    assert (graph.low <= graph.high).all()


def test_refit_on_an_unchanged_log_fits_nothing_new_unless_forced(people):
    course = people["classroom"].course
    first = refit.tracer_refit(course=course, owner="job-1", epochs=1)
    assert refit.tracer_refit(course=course, owner="job-2", epochs=1) == first
    practise(people["other"], ANSWERS[2:3], start=now() + timedelta(hours=1))
    second = refit.tracer_refit(course=course, owner="job-3", epochs=1)
    third = refit.tracer_refit(course=course, owner="job-4", epochs=1, force=True)
    assert served(course) == [(first.pk, False), (second.pk, False), (third.pk, True)]


def test_a_redelivered_refit_switches_to_the_version_it_stored_before_it_died(people):
    course = people["classroom"].course
    orphan = refit.tracer_refit(course=course, owner="job-1", epochs=1)
    refit.tracer_rollback(course=course)  # as if job-1 died between storing and switching
    assert served(course) == [(orphan.pk, False)]
    assert refit.tracer_refit(course=course, owner="job-1", epochs=1, force=True) == orphan
    assert served(course) == [(orphan.pk, True)]


def test_two_refits_of_one_course_never_run_at_once(people):
    course = people["classroom"].course
    cache.set(f"tracer-refit-lock:{course.pk}", "job-1", 60)
    with pytest.raises(refit.RefitBusy):
        refit.tracer_refit(course=course, owner="job-2", epochs=1)
    assert served(course) == []
    # The holder itself (a redelivered task has the same id) takes over, and frees the lock after.
    refit.tracer_refit(course=course, owner="job-1", epochs=1)
    assert cache.get(f"tracer-refit-lock:{course.pk}") is None


def test_rollback_serves_the_previous_version_then_the_prior(people):
    course = people["classroom"].course
    first = refit.tracer_refit(course=course, owner="job-1", epochs=1)
    second = refit.tracer_refit(course=course, owner="job-2", epochs=1, force=True)
    assert refit.tracer_rollback(course=course) == first
    assert refit.tracer_rollback(course=course, to=second) == second
    assert refit.tracer_rollback(course=course) == first
    assert refit.tracer_rollback(course=course) is None
    assert course_engine(course).version.endswith(":prior")
    with pytest.raises(ValueError, match="nothing to roll back"):
        refit.tracer_rollback(course=course)


def test_refresh_after_a_switch_rebuilds_every_state_under_the_new_version(people, django_capture_on_commit_callbacks,
                                                                          in_process_tasks):
    course = people["classroom"].course
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        model = refit.tracer_refit(course=course, owner="job-1", epochs=1)
    assert len(callbacks) == 1  # the refresh job, scheduled once the switch committed
    assert set(LearnerState.objects.values_list("tracer_version", flat=True)) == {course_engine(course).version}
    assert course_engine(course).version.endswith(f":{model.pk}")
    assert refit.learner_states_refresh(course=course) == 0  # idempotent: nothing left to rebuild


def test_traits_are_re_estimated_every_n_answers_and_survive_a_rebuild(course, settings, in_process_tasks,
                                                                       django_capture_on_commit_callbacks):
    settings.TRACER_TRAITS_EVERY = 2
    learner = HumanLearnerFactory()
    population = course_engine(course).tracer.new_learner()["traits"]
    with django_capture_on_commit_callbacks(execute=True):
        practise(learner, ANSWERS[:3])
    stored = LearnerState.objects.get(learner=learner)
    assert stored.tracer_state["traits"] != population and stored.tracer_state["n"] == 3
    with transaction.atomic():
        learner_state_rebuild(state=stored, engine=course_engine(course))
    assert stored.tracer_state == LearnerState.objects.get(learner=learner).tracer_state
    # The estimate reads the log only: running the job again changes nothing.
    assert refit.learner_traits_estimate(state_id=stored.pk)
    assert LearnerState.objects.get(learner=learner).tracer_state == stored.tracer_state


def test_the_trait_estimate_runs_outside_the_learners_lock_and_is_redone_if_an_answer_came_in(course, monkeypatch):
    learner = HumanLearnerFactory()
    practise(learner, ANSWERS[:3])
    state = LearnerState.objects.get(learner=learner)
    estimate, calls = refit.traits_from_window, []

    def answer_arrives_during_the_first_estimate(engine, window):
        calls.append((len(transaction.get_connection().atomic_blocks), len(window)))
        if len(calls) == 1:  # another request of the learner's, while the optimiser runs
            practise(learner, ANSWERS[3:4], start=now() + timedelta(hours=1))
        return estimate(engine, window)

    monkeypatch.setattr(refit, "traits_from_window", answer_arrives_during_the_first_estimate)
    assert refit.learner_traits_estimate(state_id=state.pk)
    # First outside the job's transaction (no row lock held; the test's own transaction is the base
    # level), then again inside it, under the lock, on the newer window.
    (outside, first), (inside, second) = calls
    assert (first, second) == (3, 4) and inside == outside + 1
    stored = LearnerState.objects.get(pk=state.pk)
    window = refit.learner_traits_window(state=stored)
    assert stored.tracer_state["traits"] == estimate(course_engine(course), window) and stored.tracer_state["n"] == 4


def test_trait_job_for_an_erased_learner_does_nothing(people):
    state_id = LearnerState.objects.get(learner=people["learner"]).pk
    learner_erase(learner=people["learner"])
    assert tasks.learner_traits_estimate.apply(args=[state_id]).get() is False


def test_refit_task_and_nightly_fan_out(people, course, in_process_tasks):
    assert tasks.tracers_refit_all.apply().get() == [course.pk]
    assert served(course) == [(TracerModel.objects.get().pk, True)]
    assert tasks.tracer_refit.apply(args=[course.pk + 1]).get() is None  # a course that is gone
    assert tasks.tracer_refit.apply(args=[course.pk]).get() == TracerModel.objects.get().pk


def test_refit_task_with_no_answers_stores_nothing(course):
    assert tasks.tracer_refit.apply(args=[course.pk]).get() is None
    assert served(course) == []


def test_nightly_refit_is_scheduled_with_limits():
    entry = settings.CELERY_BEAT_SCHEDULE["refit-tracers-nightly"]
    assert entry["task"] in app.tasks
    refit_task = app.tasks["tutor.learning.tasks.tracer_refit"]
    assert (refit_task.acks_late, refit_task.reject_on_worker_lost) == (True, True)
    assert refit_task.soft_time_limit == settings.TRACER_REFIT_TIME_LIMIT < refit_task.time_limit
    assert refit_task.autoretry_for[0] is refit.RefitBusy and refit_task.retry_backoff


def test_fit_tracer_and_rollback_tracer_commands(people):
    course = people["classroom"].course
    out = StringIO()
    call_command("fit_tracer", course.slug, "--epochs", "1", stdout=out)
    model = TracerModel.objects.get()
    assert f"serves tracer version {model.pk}" in out.getvalue()
    call_command("rollback_tracer", course.slug, stdout=out)
    assert "serves its prior tracer" in out.getvalue()
    call_command("rollback_tracer", course.slug, "--to", str(model.pk), stdout=out)
    assert served(course) == [(model.pk, True)]
    with pytest.raises(CommandError, match="no course 'nope'"):
        call_command("fit_tracer", "nope")
    with pytest.raises(CommandError, match="no tracer version 999"):
        call_command("rollback_tracer", course.slug, "--to", "999")


def test_fit_tracer_without_answers_says_so(course):
    with pytest.raises(CommandError, match="has no checked answers yet"):
        call_command("fit_tracer", course.slug)


def test_admin_serves_a_chosen_version_and_queues_a_refit(client, people, in_process_tasks):
    course = people["classroom"].course
    first = refit.tracer_refit(course=course, owner="job-1", epochs=1)
    second = refit.tracer_refit(course=course, owner="job-2", epochs=1, force=True)
    client.force_login(people["staff"].__class__.objects.create_superuser("root", password="x" * 12))
    url = reverse("admin:learning_tracermodel_changelist")

    def act(action: str, *models) -> list[str]:
        response = client.post(url, {"action": action, "_selected_action": [m.pk for m in models]}, follow=True)
        return [str(message) for message in response.context["messages"]]

    assert act("serve_version", first) == [f"course {course} now serves tracer version {first.pk}"]
    assert served(course) == [(first.pk, True), (second.pk, False)]
    assert act("serve_version", first, second) == ["select exactly one version to serve"]
    assert served(course) == [(first.pk, True), (second.pk, False)]
    assert act("refit_courses", first, second) == ["queued a refit for 1 course(s)"]
    assert TracerModel.objects.filter(course=course).count() == 3  # the queued refit ran (in-process tasks)


def test_admin_fits_a_course_that_has_no_tracer_version_yet(client, people, in_process_tasks):
    course = people["classroom"].course
    assert not TracerModel.objects.filter(course=course).exists()
    client.force_login(people["staff"].__class__.objects.create_superuser("root", password="x" * 12))
    response = client.post(reverse("admin:content_course_changelist"),
                           {"action": "tracers_refit", "_selected_action": [course.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["queued a refit for 1 course(s)"]
    assert served(course) == [(TracerModel.objects.get(course=course).pk, True)]


def test_dashboard_aggregates_are_precomputed_for_classes_with_recent_answers(people):
    from tutor.dashboard import tasks as dashboard_tasks
    from tutor.dashboard.selectors import aggregates_cache_keys, class_overview

    classroom, quiet = people["classroom"], ClassroomFactory(course=people["classroom"].course)
    cache.delete_many(aggregates_cache_keys(classroom.pk) + aggregates_cache_keys(quiet.pk))
    assert sorted(dashboard_tasks.class_aggregates_precompute.apply().get()) == sorted(
        {classroom.pk, Enrollment.objects.get(learner=people["other"]).classroom_id})
    assert all(cache.get(key) is not None for key in aggregates_cache_keys(classroom.pk))
    assert cache.get(aggregates_cache_keys(quiet.pk)[0]) is None  # no answers there: nothing to warm
    # The warm value is what the overview serves: its fingerprint matches the data as it is now.
    fingerprint, _ = cache.get(aggregates_cache_keys(classroom.pk)[0])
    cache.set(aggregates_cache_keys(classroom.pk)[0], (fingerprint, "warm"))
    assert class_overview(classroom=classroom) == "warm"
    assert settings.CELERY_BEAT_SCHEDULE["dashboard-aggregates"]["task"] in app.tasks
