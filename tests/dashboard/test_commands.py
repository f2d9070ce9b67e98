import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tutor.dashboard.models import BenchmarkRun
from tutor.dashboard.selectors import TRAIT_WORDS
from tutor.learning.models import Attempt, Classroom, LearnerState, TutorTurn

pytestmark = pytest.mark.django_db

CELL = {"family": "F1", "scenario": "S1", "horizon": 60, "planner": "mastery", "learners": 12, "posttest": 0.5,
        "items_to_mastery": 40.0, "waste": 0.1}


@pytest.mark.parametrize("content,message", [
    ("not json", "is not JSON"),
    (json.dumps({"cells": []}), "at least one cell"),
    (json.dumps([CELL]), 'expected {"cells"'),
    (json.dumps({"cells": [CELL, {**CELL, "posttest": "high"}]}), "cell 1: field 'posttest' must be a float"),
    (json.dumps({"cells": [{k: v for k, v in CELL.items() if k != "planner"}]}), "field 'planner' must be a str"),
    (json.dumps({"cells": [{**CELL, "waste": True}]}), "field 'waste' must be a float"),
])
def test_import_benchmark_rejects_bad_files_and_stores_nothing(tmp_path, content, message):
    path = tmp_path / "bench.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_benchmark", str(path))
    assert not BenchmarkRun.objects.exists()


def test_import_benchmark_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_benchmark", str(tmp_path / "missing.json"))


def test_import_benchmark_stores_the_cells(tmp_path):
    path = tmp_path / "quick.json"
    path.write_text(json.dumps({"cells": [CELL, {**CELL, "planner": "adaptive", "posttest": 0.6}]}))
    call_command("import_benchmark", str(path), "--name", "quick run", stdout=StringIO())
    run = BenchmarkRun.objects.get()
    assert run.name == "quick run" and [c["planner"] for c in run.cells] == ["mastery", "adaptive"]
    assert run.source == str(path.resolve())


def test_bench_dashboard_prints_timings_and_rolls_back():
    out = StringIO()
    call_command("bench_dashboard", "--learners", "3", "--kcs", "4", "--answers", "5", "--runs", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("overview, 3 learners x 4 KCs, uncached: median ")
    assert lines[2].startswith("overview, 3 learners x 4 KCs, cached: median ")
    assert "queries (2 runs)" in lines[1]
    assert not Classroom.objects.exists() and not Attempt.objects.exists()


def test_bench_dashboard_rejects_empty_classes():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_dashboard", "--learners", "0")


def test_bench_dashboard_times_the_now_page_and_keeps_a_teacher_who_can_log_in():
    out = StringIO()
    call_command("bench_dashboard", "--learners", "3", "--kcs", "4", "--answers", "5", "--runs", "2",
                 "--pages", "overview,now", "--keep", "--password", "bench-password", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[3].startswith("now, 3 learners x 4 KCs, no cache: median ")
    classroom = Classroom.objects.get()
    assert lines[4].startswith(f"kept: class {classroom.pk} (teacher bench-teacher-{classroom.pk}")
    assert classroom.teachers.get().check_password("bench-password")
    with pytest.raises(CommandError, match="--pages"):
        call_command("bench_dashboard", "--pages", "overview,admin")


def test_seed_demo_gives_the_teacher_a_class_with_history(client, settings, django_capture_on_commit_callbacks,
                                                          in_process_tasks):
    settings.DEBUG = True
    call_command("load_course", "courses/demo", stdout=StringIO())
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the trait estimates run after each commit
        call_command("seed_demo", stdout=out)
    classroom = Classroom.objects.get(name="Demo class")
    assert f"Teacher dashboard: log in as teacher / demo-password and open /teach/class/{classroom.pk}/" in out.getvalue()
    assert "Log in at /accounts/login/ with:" in out.getvalue()  # it said /admin/login/, which refuses learners
    assert classroom.learners.count() == 10
    answers = Attempt.objects.filter(learner__enrollment__classroom=classroom)
    assert answers.filter(step_key="").count() == 300  # and the steps some weak learners were stuck on
    assert TutorTurn.objects.filter(learner__enrollment__classroom=classroom, hint_level=3).exists()
    # Wrong answers are the content's known misconceptions (every final answer of the demo declares some).
    wrong = answers.filter(step_key="").exclude(verdict="correct")
    assert wrong.count() > 30 and not wrong.filter(misconception_label="").exists()
    # Each learner's practice page opens on a problem with nothing answered yet in its visit.
    for state in LearnerState.objects.filter(learner__enrollment__classroom=classroom):
        assert not answers.filter(learner=state.learner, item=state.current_item, visit=state.visit).exists()
    stored = answers.count()
    call_command("seed_demo", stdout=StringIO())  # idempotent: nobody answers twice
    assert Attempt.objects.count() == stored
    assert client.post(reverse("login"), {"username": "teacher", "password": "demo-password"}).status_code == 302
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]))
    assert response.status_code == 200
    assert len(response.context["overview"].learners) == 10 and response.context["overview"].needs_help
    learner = classroom.learners.order_by("pk").first()
    drill_down = client.get(reverse("dashboard:learner", args=[classroom.pk, learner.pk])).content.decode()
    assert "is not worked out yet" not in drill_down  # past the first trait estimate, so described:
    assert any(words in drill_down for words in TRAIT_WORDS["eta"])


def test_import_benchmark_reports_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "bench.json"
    path.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(CommandError, match="is not JSON text"):
        call_command("import_benchmark", str(path))
    assert not BenchmarkRun.objects.exists()
