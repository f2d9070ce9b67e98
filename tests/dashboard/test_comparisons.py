"""The planner comparison a teacher starts from the planners page (tutor/dashboard/comparisons.py):
start, progress, result with intervals, one at a time, bad input, and the class comparison's intervals."""

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from tests.dashboard.helpers import embedded_figure
from tutor.dashboard import comparisons
from tutor.dashboard.models import ComparisonJob

pytestmark = pytest.mark.django_db

ASKED = {"family": "F1", "scenario": "S1", "planners": ["random", "mastery"], "learners": "5"}


def _start(client, classroom, data=ASKED, capture=None):
    return client.post(reverse("dashboard:comparison-new", args=[classroom.pk]), data)


def test_a_teacher_starts_a_comparison_and_sees_its_result_with_intervals(client, classroom, in_process_tasks,
                                                                          django_capture_on_commit_callbacks):
    client.force_login(classroom.teachers.get())
    with django_capture_on_commit_callbacks(execute=True):  # the embedded set-up: the task runs in-process
        response = _start(client, classroom)
    assert response.status_code == 303
    assert response["Location"] == reverse("dashboard:curriculum", args=[classroom.pk]) + "#simulated-heading"
    job = ComparisonJob.objects.get()
    assert job.status == "done" and job.done == job.total == 3 * 5
    assert job.requested_by == classroom.teachers.get()
    cells = {cell["planner"]: cell for cell in job.cells}
    assert list(cells) == ["random", "mastery", "oracle"]
    for cell in cells.values():
        low, high = cell["posttest_ci"]
        assert low <= cell["posttest"] <= high and cell["learners"] == 5 and cell["baseline"] == "mastery"
    assert cells["mastery"]["delta"] == 0 and cells["mastery"]["delta_ci"] == [0, 0]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-planner="oracle"' in html and "Best possible" in html
    bars = embedded_figure(page, "simulated")["data"][0]
    assert bars["y"][2] == "Best possible (knows<br>each simulated<br>learner's true state)"
    assert bars["x"] == pytest.approx([cells[name]["posttest"] for name in cells])
    assert bars["error_x"]["array"] == pytest.approx([cells[name]["posttest_ci"][1] - cells[name]["posttest"]
                                                      for name in cells])
    progress = client.get(reverse("dashboard:comparison-progress", args=[classroom.pk])).json()
    assert progress == {"status": "done", "done": 15, "total": 15, "percent": 100, "error": ""}


def test_progress_is_written_while_the_comparison_runs(classroom, monkeypatch):
    monkeypatch.setattr(comparisons, "PROGRESS_EVERY", 0)
    job = ComparisonJob.objects.create(classroom=classroom, params={**ASKED, "learners": 5}, total=15)
    seen = []
    real = comparisons.comparison_cells

    def watched(params, progress):
        def spy(done):
            progress(done)
            seen.append(comparisons.job_status(ComparisonJob.objects.get(pk=job.pk)))
        return real(params, spy)

    monkeypatch.setattr(comparisons, "comparison_cells", watched)
    assert comparisons.comparison_run(job_id=job.pk) is True
    assert [s["done"] for s in seen] == list(range(1, 16))
    assert {s["status"] for s in seen} == {"running"} and seen[6]["percent"] == 47
    assert comparisons.comparison_run(job_id=job.pk) is False  # a redelivered task finds it taken


def test_one_comparison_at_a_time_per_class_and_per_teacher(client, classroom, other_classroom):
    teacher = classroom.teachers.get()
    client.force_login(teacher)
    assert _start(client, classroom).status_code == 303  # on_commit not run: it stays queued
    again = _start(client, classroom)
    assert again.status_code == 409
    assert "A comparison for this class is running already" in again.content.decode()
    colleague = other_classroom.teachers.get()
    classroom.teachers.add(colleague)
    client.force_login(colleague)
    assert _start(client, classroom).status_code == 409  # the class's one, whoever asks
    other_classroom.teachers.add(teacher)
    client.force_login(teacher)
    elsewhere = _start(client, other_classroom)
    assert elsewhere.status_code == 409 and "You already have a comparison running" in elsewhere.content.decode()
    assert ComparisonJob.objects.count() == 1
    page = client.get(reverse("dashboard:curriculum", args=[classroom.pk])).content.decode()
    assert 'data-progress-url="' in page and "<progress" in page and "Start the comparison" not in page


def test_a_comparison_lost_with_its_worker_no_longer_blocks_the_class(client, classroom):
    client.force_login(classroom.teachers.get())
    _start(client, classroom)
    stale = timezone.now() - timedelta(seconds=comparisons.JOB_TIME_LIMIT + 61)
    ComparisonJob.objects.update(updated_at=stale)
    assert _start(client, classroom).status_code == 303
    first, second = ComparisonJob.objects.order_by("pk")
    assert first.status == "failed" and "stopped before it finished" in first.error
    assert second.status == "queued"


@pytest.mark.parametrize("change,reason", [
    ({"planners": ["mastery"]}, "Choose at least two planners"),
    ({"planners": ["mastery", "adaptive"]}, "Select a valid choice. adaptive is not one of the available choices."),
    ({"learners": "1000"}, "less than or equal to 40"),
    ({"learners": "2"}, "greater than or equal to 5"),
    ({"learners": "ten"}, "Enter a whole number"),
    ({"family": "F9"}, "Select a valid choice"),
    ({"scenario": "S6"}, "Select a valid choice"),
    ({"planners": ["random", "mastery", "zpdes", "sec"], "learners": "40"}, "That is 200 simulated learners to teach"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(client, classroom, change, reason):
    client.force_login(classroom.teachers.get())
    response = _start(client, classroom, {**ASKED, **change})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not ComparisonJob.objects.exists()


def test_a_failing_comparison_is_stored_as_failed_with_words(classroom, monkeypatch):
    job = ComparisonJob.objects.create(classroom=classroom, params={**ASKED, "learners": 5}, total=15)
    monkeypatch.setattr(comparisons, "comparison_cells", lambda params, progress: 1 / 0)
    assert comparisons.comparison_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("The comparison failed on the server.")


def test_only_get_on_the_page_and_only_post_to_start(client, classroom):
    client.force_login(classroom.teachers.get())
    assert client.get(reverse("dashboard:comparison-new", args=[classroom.pk])).status_code == 405
    assert client.post(reverse("dashboard:comparison-progress", args=[classroom.pk])).status_code == 405


def test_mean_interval_is_students_t():
    values = np.array([0.2, 0.4, 0.5, 0.9])
    interval = comparisons.mean_interval(values)
    low, high = stats.t.interval(0.95, 3, loc=values.mean(), scale=stats.sem(values))
    assert (interval.mean, interval.low, interval.high) == pytest.approx((0.5, low, high))
    assert comparisons.mean_interval([0.3]).low is None
    assert comparisons.mean_interval([0.3, 0.3]) == comparisons.Interval(0.3, 0.3, 0.3)


@pytest.mark.parametrize("kind,status", [("anonymous", 302), ("learner", 404), ("other_teacher", 404),
                                         ("teacher", 303), ("staff", 303)])
def test_who_may_start_a_comparison(client, classroom, other_classroom, kind, status):
    from tests.dashboard.test_access import _visitor

    user = _visitor(kind, classroom, other_classroom)
    if user is not None:
        client.force_login(user)
    assert _start(client, classroom).status_code == status
    assert ComparisonJob.objects.filter(classroom=classroom).exists() == (status == 303)


def test_the_class_comparison_has_intervals_and_says_what_it_cannot_show(client, classroom):
    from tests.dashboard.helpers import answer
    from tutor.learning.models import Learner

    at = timezone.now() - timedelta(hours=1)
    for learner, text in zip(Learner.objects.filter(enrollment__classroom=classroom).order_by("pk"), ("7", "5")):
        answer(learner, "add-1", text, at)
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:curriculum", args=[classroom.pk]))
    (row,) = response.context["class_rows"]
    assert row["outcome"].learners == 2
    assert row["interval"] == comparisons.mean_interval(row["outcome"].posttests)
    assert row["interval"].low < row["interval"].mean < row["interval"].high
    html = response.content.decode()
    assert "What it cannot show:" in html and "not\n      given their planner at random" in html
    bar = embedded_figure(response, "class")["data"][0]
    assert bar["error_y"]["array"] == pytest.approx([row["interval"].high - row["interval"].mean])


def test_the_class_comparison_names_each_planner_in_words(client, classroom):
    """The class table and chart named planners by their code ("adaptive", "mastery"), words no teacher reads."""
    from tests.dashboard.helpers import answer
    from tutor.learning.models import Learner, LearnerState

    at = timezone.now() - timedelta(hours=1)
    for learner, planner in zip(Learner.objects.filter(enrollment__classroom=classroom).order_by("pk"),
                                ("adaptive", "mastery")):
        answer(learner, "add-1", "7", at)
        LearnerState.objects.filter(learner=learner).update(planner=planner)
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:curriculum", args=[classroom.pk]))
    labels = {row["outcome"].planner: row["label"] for row in response.context["class_rows"]}
    assert labels == {"adaptive": comparisons.CLASS_PLANNER_WORDS["adaptive"],
                      "mastery": "Mastery learning: move on once a skill is mastered"}
    table = response.content.decode().split('class="schedule planners"')[1].split("</table>")[0]
    assert '<th scope="row">adaptive</th>' not in table and '<th scope="row">mastery</th>' not in table
    ticks = embedded_figure(response, "class")["data"][0]["x"]
    assert all(" " in tick for tick in ticks), ticks  # words, not a code


def test_the_baseline_of_a_simulated_comparison_is_named_in_words(client, classroom, in_process_tasks,
                                                                   django_capture_on_commit_callbacks):
    """Without mastery or random chosen the baseline is the textbook order: the table said 'Against fixed_order'."""
    client.force_login(classroom.teachers.get())
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, classroom, {**ASKED, "planners": ["fixed_order", "zpdes"]})
    assert ComparisonJob.objects.get().cells[0]["baseline"] == "fixed_order"
    html = client.get(response["Location"]).content.decode()
    result = html.split('id="simulated-result"')[1]
    assert "fixed_order" not in result.replace('data-planner="fixed_order"', "")
    assert "Against the baseline" in result and "taught by the baseline (The textbook order, no feedback)" in result
