"""The figures carry the tracer's numbers for a seeded class, not just a 200."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tutor.dashboard.selectors import kc_order
from tutor.learning.engine import course_engine
from tutor.learning.models import Attempt, Learner, LearnerState, TutorTurn
from tutor.learning.observations import SECONDS_PER_DAY, tracer_time

from .helpers import answer, embedded_figure, struggling_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(classroom):
    """ada struggles with addition; the model-student answers two items right."""
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    struggling_history(ada)
    model = Learner.objects.get(enrollment__classroom=classroom, kind="model")
    at = timezone.now() - timedelta(days=1)
    answer(model, "add-1", "7", at)
    answer(model, "frac-1", "3/4", at + timedelta(minutes=1))
    return classroom, ada, model


def _state(learner, classroom):
    return LearnerState.objects.get(learner=learner, course=classroom.course).tracer_state


def test_heatmap_is_the_tracer_posterior_in_prerequisite_order(client, seeded):
    classroom, ada, model = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]))
    heatmap = embedded_figure(response, "heatmap")["data"][0]
    engine = course_engine(classroom.course)
    assert heatmap["type"] == "heatmap"
    assert heatmap["x"] == ["Addition", "Fractions", "Linear equations"]  # the declared DAG's order
    assert heatmap["y"] == ["ada", f"{model.api_client.name}:sim-a"]
    for row, learner in enumerate((ada, model)):
        mastery = engine.tracer.mastery(_state(learner, classroom))
        assert heatmap["z"][row] == pytest.approx([mastery[kc].p for kc in ("add", "frac", "lin")], abs=1e-4)
        assert heatmap["customdata"][row] == pytest.approx([mastery[kc].sd for kc in ("add", "frac", "lin")], abs=1e-4)
    assert heatmap["z"][0][0] < 0.6 and heatmap["z"][0][0] < heatmap["z"][1][0]  # ada is behind on addition
    assert "uncertainty" in heatmap["hovertemplate"]


def test_needs_help_names_wheel_spinning_and_bottom_out_hints(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]))
    helped = response.context["needs_help"]
    assert [row["name"] for row in helped] == ["ada"]
    reasons = " | ".join(helped[0]["reasons"])
    assert "wheel-spinning on Addition: 10 answers" in reasons
    bottom_outs = TutorTurn.objects.filter(learner=ada, hint_level=3).count()
    assert bottom_outs >= 3 and f"{bottom_outs} bottom-out hints this week" in reasons
    assert 'id="needs-help"' in response.content.decode()


def test_activity_counts_answers_and_learners_per_day(client, seeded):
    classroom, *_ = seeded
    client.force_login(classroom.teachers.get())
    activity = embedded_figure(client.get(reverse("dashboard:overview", args=[classroom.pk])), "activity")["data"]
    days = {a.answered_at.date().isoformat() for a in Attempt.objects.all()}
    assert sorted(activity[0]["x"]) == sorted(days)
    by_day = dict(zip(activity[0]["x"], activity[0]["y"]))
    learners = dict(zip(activity[1]["x"], activity[1]["y"]))
    for day in days:
        on_day = Attempt.objects.filter(answered_at__date=day)
        assert by_day[day] == on_day.count()
        assert learners[day] == on_day.values("learner").distinct().count()


def test_anonymised_overview_shows_no_names(client, seeded):
    classroom, _, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]) + "?anon=1")
    html = response.content.decode()
    assert embedded_figure(response, "heatmap")["data"][0]["y"] == ["Learner 1", "Learner 2"]
    assert "ada" not in html and "sim-a" not in html
    assert "?anon=1" in html.split('id="needs-help"')[1].split("</div>")[0]
    csv_text = client.get(reverse("dashboard:mastery-csv", args=[classroom.pk]) + "?anon=1").content.decode()
    assert "ada" not in csv_text and "Learner 1" in csv_text


def test_mastery_csv_holds_the_class_by_kc_table(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    lines = client.get(reverse("dashboard:mastery-csv", args=[classroom.pk])).content.decode().splitlines()
    assert lines[0] == "learner_id,learner,kind,answers,correct,add p,frac p,lin p,add sd,frac sd,lin sd"
    first = lines[1].split(",")
    mastery = course_engine(classroom.course).tracer.mastery(_state(ada, classroom))
    assert first[:5] == [str(ada.pk), "ada", "human", "16", "0"]  # 10 on addition, 6 on a fraction step
    assert float(first[5]) == pytest.approx(mastery["add"].p, abs=1e-4)


def test_learner_curves_pair_predictions_with_answers(client, seeded):
    classroom, _, model = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, model.pk]))
    traces = {trace["name"]: trace for trace in embedded_figure(response, "curves")["data"]}
    assert set(traces) == {"Addition: predicted", "Addition: answered", "Fractions: predicted", "Fractions: answered"}
    assert traces["Addition: answered"]["y"] == [1] and traces["Fractions: answered"]["y"] == [1]
    engine = course_engine(classroom.course)
    first = Attempt.objects.filter(learner=model).order_by("id").first()
    fresh = engine.tracer.new_learner(_state(model, classroom)["traits"])
    expected = engine.tracer.predict(fresh, "add-1", tracer_time(first.answered_at))
    assert traces["Addition: predicted"]["y"] == pytest.approx([expected])


def test_learner_recall_is_the_tracers_forecast(client, seeded):
    classroom, _, model = seeded
    client.force_login(classroom.teachers.get())
    before = timezone.now().timestamp()
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, model.pk]))
    recall = {trace["name"]: trace["y"] for trace in embedded_figure(response, "recall")["data"]}
    assert set(recall) == {"Addition", "Fractions"} and len(recall["Addition"]) == 43
    state = _state(model, classroom)
    tracer = course_engine(classroom.course).tracer
    in_a_week = tracer.mastery(state, before + 7 * SECONDS_PER_DAY)["add"].p
    assert recall["Addition"][7] == pytest.approx(in_a_week, abs=1e-3)


def test_learner_page_lists_turns_and_traits(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, ada.pk]))
    detail = response.context["detail"]
    assert len(detail.answers) == 16 and all(turn is not None for _, turn in detail.answers)
    requests = TutorTurn.objects.filter(learner=ada, attempt__isnull=True).order_by("-id")
    assert [turn.pk for turn in detail.help_turns] == [turn.pk for turn in requests] and len(requests) == 6
    html = response.content.decode()
    assert "Not estimated yet" in html and "overall" in html
    assert detail.answers[0][1].backend in html


def test_learner_traits_in_words_after_an_estimate(client, seeded):
    classroom, ada, _ = seeded
    state = LearnerState.objects.get(learner=ada, course=classroom.course)
    tracer = course_engine(classroom.course).tracer
    raw = list(tracer.new_learner()["traits"])
    raw[4] += 2.0  # a much higher learning rate (eta) than the population's
    state.tracer_state = {**state.tracer_state, "traits": raw}
    state.save()
    client.force_login(classroom.teachers.get())
    traits = client.get(reverse("dashboard:learner", args=[classroom.pk, ada.pk])).context["detail"].traits
    assert "learns fast" in traits and "forgets at a typical rate" in traits


def test_structure_shows_declared_and_learned_graphs(client, seeded):
    classroom, *_ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:structure", args=[classroom.pk]))
    graph = embedded_figure(response, "graph")["data"]
    declared = sorted(t["text"] for t in graph if t["mode"] == "lines" and t.get("xaxis", "x") == "x")
    assert declared == ["Addition → Fractions: declared", "Addition → Linear equations: declared",
                        "Fractions → Linear equations: declared"]
    learned = course_engine(classroom.course).tracer.prerequisites()
    structure = response.context["structure"]
    index = {kc: n for n, kc in enumerate(learned.kcs)}
    assert structure.learned[("add", "frac")] == pytest.approx(float(learned.matrix[index["add"], index["frac"]]))
    difficulty = embedded_figure(response, "difficulty")["data"]
    histogram = next(t for t in difficulty if t["type"] == "histogram")
    assert -1.0 in histogram["x"]  # add-1's declared difficulty, the prior tracer's item difficulty
    wrong = next(t for t in difficulty if t["type"] == "scatter")
    assert wrong["y"] == ["Addition", "Fractions", "Linear equations"]
    assert wrong["x"][0] == pytest.approx(10 / 11)  # 10 of the class's 11 addition answers were wrong
    assert wrong["x"][2] is None  # nobody answered a linear equation


def test_kc_order_puts_prerequisites_first(course):
    assert kc_order(course_engine(course)) == ["add", "frac", "lin"]


def test_curriculum_view_shows_an_imported_benchmark_and_the_class(client, seeded, tmp_path):
    classroom, ada, model = seeded
    cells = [{"family": "F1", "scenario": "S1", "horizon": 60, "planner": planner, "learners": 12,
              "posttest": post, "posttest_ci": [post - 0.05, post + 0.05], "items_to_mastery": 40.0, "waste": 0.1}
             for planner, post in (("mastery", 0.55), ("adaptive", 0.71))]
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"cells": cells}))
    out = StringIO()
    call_command("import_benchmark", str(path), stdout=out)
    assert "imported 2 cells (adaptive, mastery)" in out.getvalue()
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:curriculum", args=[classroom.pk]))
    bars = {trace["name"]: trace for trace in embedded_figure(response, "benchmark")["data"]}
    assert bars["adaptive"]["y"] == [0.71] and bars["mastery"]["y"] == [0.55]
    for odd in ("\u00b2", "9" * 40, "x"):   # a Unicode digit, past any row id, not a number: the latest run
        shown = client.get(reverse("dashboard:curriculum", args=[classroom.pk]), {"run": odd})
        assert shown.status_code == 200 and shown.context["run"] == response.context["run"]
    assert bars["adaptive"]["error_y"]["array"] == pytest.approx([0.05])
    outcomes = response.context["outcomes"]
    assert [o.planner for o in outcomes] == ["adaptive"] and outcomes[0].learners == 2
    tracer = course_engine(classroom.course).tracer
    means = [sum(m.p for m in tracer.mastery(_state(learner, classroom)).values()) / 3 for learner in (ada, model)]
    assert outcomes[0].posttest == pytest.approx(sum(means) / 2)
    assert embedded_figure(response, "class")["data"][0]["y"] == pytest.approx([outcomes[0].posttest])


def test_needs_help_names_learners_predicted_to_fail_their_next_item(client, seeded):
    from tutor.learning.knowledge import next_item_choose
    from tutor.learning.observations import tracer_item_key

    classroom, ada, model = seeded
    for learner in (ada, model):
        next_item_choose(learner=learner, course=classroom.course)
    client.force_login(classroom.teachers.get())
    before = timezone.now().timestamp()
    helped = {row["name"]: row["reasons"] for row in
              client.get(reverse("dashboard:overview", args=[classroom.pk])).context["needs_help"]}
    tracer = course_engine(classroom.course).tracer
    state = LearnerState.objects.get(learner=ada, course=classroom.course)
    chance = tracer.predict(state.tracer_state, tracer_item_key(state.current_item), before)
    assert chance < 0.4
    assert f"predicted at risk: {chance:.0%} chance on the next item" in helped["ada"]
    assert f"{model.api_client.name}:sim-a" not in helped


def test_a_learner_label_is_drawn_as_text_never_as_a_live_link(client, seeded):
    """Issue 18 defect 12: Plotly draws its strings as HTML, so a label holding a link became one."""
    classroom, _, model = seeded
    model.label = '<a href="http://evil">x</a>'
    model.save(update_fields=["label"])
    client.force_login(classroom.teachers.get())
    heatmap = embedded_figure(client.get(reverse("dashboard:overview", args=[classroom.pk])), "heatmap")
    shown = heatmap["data"][0]["y"][1]
    assert shown == f'{model.api_client.name}:&lt;a href="http://evil"&gt;x&lt;/a&gt;'
    assert "<a" not in json.dumps(heatmap)
