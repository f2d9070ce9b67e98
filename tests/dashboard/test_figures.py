"""The figures carry the tracer's numbers for a seeded class, not just a 200."""

import json
from datetime import timedelta
from html import escape as html_escape
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from psikt.llm.moves import Intent
from tutor.content.models import Item
from tutor.dashboard.selectors import kc_order
from tutor.dashboard.words import how_sure
from tutor.learning.engine import course_engine
from tutor.learning.levels import mastery_level
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


def _answers_on(learner, kc: str) -> int:
    return Attempt.objects.filter(learner=learner, item__kcs__key=kc).exclude(verdict="skipped").count()


def test_heatmap_shows_levels_in_words_in_prerequisite_order(client, seeded):
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
        levels = [mastery_level(p=mastery[kc].p, sd=mastery[kc].sd, answers=_answers_on(learner, kc))
                  for kc in ("add", "frac", "lin")]
        assert heatmap["z"][row] == [level.rank for level in levels]
        for text, level, kc in zip(heatmap["text"][row], levels, ("add", "frac", "lin")):
            assert text.startswith(level.name)
            if level.percent is not None:  # the number, on hover, with how sure it is in words
                assert f"estimated {level.percent}% mastered, {how_sure(mastery[kc].sd)}" in text
    assert heatmap["z"][0][2] == 0 and heatmap["text"][0][2] == "Not started: no answers on this skill yet"
    assert heatmap["z"][0][0] == 1  # ada's ten wrong answers on addition: "Attempted"
    assert "P(" not in json.dumps(heatmap) and "uncertainty" not in json.dumps(heatmap)


def test_heatmap_colours_are_colour_blind_safe_levels(client, seeded):
    """Viridis steps (rising lightness) and a grey for "Not started": no red against green."""
    classroom, *_ = seeded
    client.force_login(classroom.teachers.get())
    heatmap = embedded_figure(client.get(reverse("dashboard:overview", args=[classroom.pk])), "heatmap")["data"][0]
    colours = [colour for _, colour in heatmap["colorscale"]]
    assert set(colours) == {"#e8e8e8", "#440154", "#31688e", "#35b779", "#fde725"}
    assert heatmap["colorbar"]["ticktext"] == ["Not started", "Attempted", "Familiar", "Proficient", "Mastered"]
    assert (heatmap["zmin"], heatmap["zmax"]) == (-0.5, 4.5)


def test_every_overview_chart_has_a_table_alternative(client, seeded):
    classroom, *_ = seeded
    client.force_login(classroom.teachers.get())
    html = client.get(reverse("dashboard:overview", args=[classroom.pk])).content.decode()
    levels = html.split('data-live="mastery_table">')[1].split("</table>")[0]
    assert html.count('<details class="chart-table">') == 2
    assert '<th scope="col">Addition</th>' in levels and '<th scope="row">ada</th>' in levels
    assert '<td class="level-attempted" title="estimated' in levels and ">Not started</td>" in levels
    activity = html.split('data-live="activity_table">')[1].split("</table>")[0]
    days = {a.answered_at.date() for a in Attempt.objects.all()}
    assert activity.count('<th scope="row">') == len(days)


def _needs_help(html: str) -> dict[str, list[str]]:
    """The "needs help now" list as the page shows it: name -> reasons."""
    import re

    part = html.split('id="needs-help"')[1].split("</div>")[0]
    return {name: re.findall(r"<li>([^<]*)</li>", reasons)
            for name, reasons in re.findall(r'<a href="[^"]*">([^<]*)</a>\s*<ul>(.*?)</ul>', part, re.DOTALL)}


def test_needs_help_says_in_words_who_is_stuck_and_why(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]))
    helped = _needs_help(response.content.decode())
    assert list(helped) == ["ada"]
    bottom_outs = TutorTurn.objects.filter(learner=ada, hint_level=3).count()
    assert bottom_outs >= 3
    assert helped["ada"][:2] == ["Stuck on Addition: 10 answers without mastering it",
                                 f"Reached the last hint, the answer shown, {bottom_outs} times this week"]


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
    response = client.get(reverse("dashboard:overview", args=[classroom.pk]) + "?anon=k3y")
    html = response.content.decode()
    assert embedded_figure(response, "heatmap")["data"][0]["y"] == ["Learner 1", "Learner 2"]
    assert "ada" not in html and "sim-a" not in html
    assert "?anon=k3y" in html.split('id="needs-help"')[1].split("</div>")[0]
    csv_lines = client.get(reverse("dashboard:mastery-csv", args=[classroom.pk]) + "?anon=k3y").content.decode()
    assert "ada" not in csv_lines and "Learner 1" in csv_lines
    assert all(line.startswith(",Learner ") for line in csv_lines.splitlines()[1:])  # no learner ids either


def test_anonymising_draws_a_fresh_order_each_time_it_is_switched_on(client, course):
    """Issue 20: "Learner 1" was always the first enrolled (ada). Each switch-on carries a new token,
    the token fixes the order (reloads and links agree), and the rows follow the pseudonyms."""
    import re

    from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, UserFactory
    from tutor.learning.models import Enrollment

    classroom = ClassroomFactory(course=course)
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    names = [f"kid{n}" for n in range(8)]
    for name in names:
        Enrollment.objects.create(classroom=classroom, learner=HumanLearnerFactory(user__username=name))
    client.force_login(teacher)
    url = reverse("dashboard:overview", args=[classroom.pk])
    tokens = {re.search(r'href="\?anon=(\w+)">Anonymise', client.get(url).content.decode()).group(1) for _ in range(4)}
    assert len(tokens) == 4

    def first_learner(token: str) -> str:
        html = client.get(url, {"anon": token}).content.decode()
        rows = re.findall(r'learner/(\d+)/\?anon=\w+">(Learner \d+)</a>', html.split('data-live="learners"')[1])
        assert [name for _, name in rows] == [f"Learner {n}" for n in range(1, 9)]  # in pseudonym order
        return rows[0][0]

    # The page's tokens are random; these fixed ones make the order (a function of the token and the
    # class size alone) the same on every run.
    firsts = {token: first_learner(token) for token in ("a1", "b2", "c3", "d4")}
    assert len(set(firsts.values())) > 1  # "Learner 1" is not always the same child
    token, learner_id = next(iter(firsts.items()))
    assert first_learner(token) == learner_id  # the same token, the same names
    drill_down = client.get(reverse("dashboard:learner", args=[classroom.pk, learner_id]), {"anon": token})
    assert drill_down.context["name"] == "Learner 1"


@pytest.mark.parametrize("page", ["overview", "learner", "mastery-csv"])
@pytest.mark.parametrize("token", ["a b", "x" * 33, "é", "<script>"])
def test_a_malformed_anonymising_token_is_a_400_with_the_reason(client, seeded, page, token):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    args = [classroom.pk, ada.pk] if page == "learner" else [classroom.pk]
    response = client.get(reverse(f"dashboard:{page}", args=args), {"anon": token})
    assert response.status_code == 400
    assert "anon must be 1 to 32 letters or digits" in response.content.decode()


def test_mastery_csv_holds_the_class_by_kc_table(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    lines = client.get(reverse("dashboard:mastery-csv", args=[classroom.pk])).content.decode().splitlines()
    assert lines[0] == ("learner_id,learner,kind,answers,correct,add level,frac level,lin level,"
                        "add p,frac p,lin p,add sd,frac sd,lin sd")
    first = lines[1].split(",")
    mastery = course_engine(classroom.course).tracer.mastery(_state(ada, classroom))
    assert first[:8] == [str(ada.pk), "ada", "human", "16", "0", "Attempted", "Attempted", "Not started"]
    assert float(first[8]) == pytest.approx(mastery["add"].p, abs=1e-4)


def test_learner_curves_pair_predictions_with_answers(client, seeded):
    classroom, _, model = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, model.pk]))
    traces = {trace["name"]: trace for trace in embedded_figure(response, "curves")["data"]}
    assert set(traces) == {"Addition", "Addition: answers", "Fractions", "Fractions: answers"}
    assert traces["Addition: answers"]["y"] == [1] and traces["Fractions: answers"]["y"] == [1]
    engine = course_engine(classroom.course)
    first = Attempt.objects.filter(learner=model).order_by("id").first()
    fresh = engine.tracer.new_learner(_state(model, classroom)["traits"])
    expected = engine.tracer.predict(fresh, "add-1", tracer_time(first.answered_at))
    assert traces["Addition"]["y"] == pytest.approx([expected])
    assert traces["Addition"]["line"]["color"] == traces["Addition: answers"]["marker"]["color"]


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


FORBIDDEN_ON_TEACHER_PAGES = ["frac-1", "add-1", "Backend", "P(", "uncertainty", *(intent.value for intent in Intent)]


def test_drill_down_shows_each_problem_as_the_learner_saw_it(client, seeded):
    """Issue 20: the problem typeset, the learner's answers, the tutor's replies and the hints used, in
    order, latest problem first; no item ids, move codes or backends."""
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, ada.pk]))
    html = response.content.decode()
    work = response.context["work"]
    fraction = Item.objects.get(course=classroom.course, key="frac-1")
    visits = sorted(set(Attempt.objects.filter(learner=ada, item=fraction).values_list("visit", flat=True)))
    assert len(work) == 13 and [p.item.key for p in work[:3]] == ["frac-1"] * 3  # latest first
    latest = work[0]
    turns = list(TutorTurn.objects.filter(learner=ada, item=fraction, visit=visits[-1]).order_by("id"))
    [step] = latest.steps
    assert step.prompt == "What is the greatest common divisor of 6 and 8?"
    assert [e.tutor_said for e in step.exchanges] == [turn.text for turn in turns]
    assert [e.asked_for_help for e in step.exchanges] == [turn.attempt_id is None for turn in turns]
    assert [e.learner_said for e in step.exchanges if not e.asked_for_help] == ["3", "3"]
    assert latest.outcome == "Answer shown by the tutor" and latest.hints_used == 3
    article = html.split('<article class="problem"')[1]
    assert "<math" in article and "<mfrac>" in article  # "$\\frac{6}{8}$" typeset as the learner saw it
    positions = [article.index(html_escape(turn.text.split("$")[0], quote=False)) for turn in turns]
    assert positions == sorted(positions)  # in the order it happened
    assert "ada answered</span> <code class=\"answer\">3</code> <span class=\"verdict\">wrong" in article
    assert "Hint 3 of 3 (the answer shown)" in article and "ada asked for help" in article
    assert work[-1].item.key == "add-1" and work[-1].outcome == "Not finished"
    for jargon in FORBIDDEN_ON_TEACHER_PAGES:
        assert jargon not in html, jargon


def test_drill_down_shows_levels_and_traits_in_words(client, seeded):
    classroom, ada, _ = seeded
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:learner", args=[classroom.pk, ada.pk]))
    html = response.content.decode()
    skills = dict(response.context["detail"].skills)
    assert [cell.level.name for cell in skills.values()] == ["Attempted", "Attempted", "Not started"]
    assert 'title="Addition: estimated ' in html and '<span class="level-name">Attempted</span>' in html
    assert "How fast this learner learns and forgets is not worked out yet" in html
    assert "Overall" in html
    # The static traits' split-half reliability is near zero on real logs (docs/benchmarks.md): said so.
    assert "How fast someone learns or forgets is a rough estimate" in html
    assert html.count('<details class="chart-table">') == 3  # the estimates, and a table per chart


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
    assert "Learns faster than most: a few right answers raise a skill a lot." in traits
    assert "Forgets at a typical rate." in traits


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
    helped = _needs_help(client.get(reverse("dashboard:overview", args=[classroom.pk])).content.decode())
    tracer = course_engine(classroom.course).tracer
    state = LearnerState.objects.get(learner=ada, course=classroom.course)
    chance = tracer.predict(state.tracer_state, tracer_item_key(state.current_item), before)
    assert chance < 0.4
    assert f"Likely to get the next problem wrong (about {chance:.0%} chance of a right answer)" in helped["ada"]
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
