"""The course structure page (issue 20 item 8): named nodes, arrows with the model's edge strengths,
and the edges the answers added to or dropped from the declared graph marked in the figure, the key
and the table."""

import re
import tempfile

import pytest
from django.urls import reverse

from psikt.tracing import prior_tracer
from tutor.learning.engine import course_engine
from tutor.learning.models import TracerModel

from .helpers import embedded_figure

pytestmark = pytest.mark.django_db
NAMES = {"add": "Addition", "frac": "Fractions", "lin": "Linear equations"}


def _serve_a_tracer_that_learned(course, edges):
    """A fitted version whose graph boosts `edges` instead of the declared ones, served as a refit
    would serve it (the same parameters as the prior otherwise)."""
    engine = course_engine(course)
    tracer = engine.tracer
    learned = prior_tracer(list(tracer.kcs), edges, dict(tracer.item_kcs),
                           dict(zip(tracer.items, tracer.params["item_b"].tolist())))
    with tempfile.NamedTemporaryFile(suffix=".pt") as file:
        learned.save(file.name)
        checkpoint = file.read()
    return TracerModel.objects.create(course=course, checkpoint=checkpoint, is_active=True,
                                      metrics={"trained_on": {"attempts": 40, "learners": 4, "last_attempt_id": 1}})


def _page(client, classroom):
    client.force_login(classroom.teachers.get())
    return client.get(reverse("dashboard:structure", args=[classroom.pk]))


def test_before_a_fit_the_graph_is_the_declared_one_named_and_said_so(client, classroom):
    response = _page(client, classroom)
    html = response.content.decode()
    assert "has not been fitted to this course's answers yet" in html
    assert "None yet: nothing has been learned from the answers." in html
    graph = embedded_figure(response, "graph")
    nodes = graph["data"][-1]
    assert sorted(nodes["hovertext"]) == sorted(NAMES.values())
    assert sorted(text.replace("<br>", " ") for text in nodes["text"]) == sorted(NAMES.values())
    kept = next(trace for trace in graph["data"] if trace.get("name") == "declared by the course")
    assert sum(x is None for x in kept["x"]) == 3  # the three declared edges, each ended by a None
    # Nothing learned yet, so nothing on the page says the answers support a link.
    assert "supported" not in html and not any("supported" in (trace.get("name") or "") for trace in graph["data"])
    arrows = graph["layout"]["annotations"]
    assert len(arrows) == 3 and all(arrow["showarrow"] and arrow["arrowhead"] for arrow in arrows)
    # The plot's height is spent on the nodes: room for the top label, none for an empty half (as before).
    low, high = graph["layout"]["yaxis"]["range"]
    assert min(nodes["y"]) - 0.5 < low < min(nodes["y"]) and max(nodes["y"]) < high < max(nodes["y"]) + 1


def test_edges_the_answers_added_or_dropped_are_marked(client, classroom):
    _serve_a_tracer_that_learned(classroom.course, [("add", "frac"), ("lin", "frac")])
    response = _page(client, classroom)
    html = response.content.decode()
    assert "learned these links from the answers of\n    4 learners (40 answers)" in html
    graph = embedded_figure(response, "graph")
    labels = {trace.get("name"): trace for trace in graph["data"]}
    added = next(trace for trace in graph["data"] if trace["mode"] == "text" and trace["legendgroup"] == "added")
    assert added["hovertext"] == [(f"Linear equations → Fractions: {added['text'][0]} likely, found in the answers, "
                                  "not declared")]
    assert labels["found in the answers, not declared"]["line"]["dash"] == "dash"
    assert labels["declared, not supported by the answers"]["line"]["dash"] == "dot"
    dropped = next(trace for trace in graph["data"] if trace["mode"] == "text" and trace["legendgroup"] == "removed")
    assert min(dropped["hovertext"]).startswith("Addition → Linear equations:")
    assert len(dropped["hovertext"]) == 2
    differences = response.context["differences"]
    assert {(row["pre"], row["kc"], row["kind"]) for row in differences} == {
        ("lin", "frac", "added"), ("add", "lin", "removed"), ("frac", "lin", "removed")}
    assert 'class="edge-added" data-edge="lin>frac"' in html
    assert "found in the answers, not declared" in html and "declared, but the answers do not support it" in html
    # The key names each kind in words beside its line style.
    assert html.count('<li data-kind="') == 3 and 'stroke-dasharray="8 4"' in html


def test_skill_difficulty_is_no_longer_zero_for_every_skill(client, classroom):
    response = _page(client, classroom)
    difficulty = embedded_figure(response, "difficulty")["data"][0]
    tracer = course_engine(classroom.course).tracer
    problems = {kc: [b for key, b in zip(tracer.items, tracer.params["item_b"].tolist())
                     if "#" not in key and kc in tracer.item_kcs[key]] for kc in NAMES}
    expected = [sum(problems[kc]) / len(problems[kc]) for kc in ("add", "frac", "lin")]
    assert difficulty["x"] == pytest.approx(expected)
    assert len(set(difficulty["x"])) > 1


def test_each_link_reads_in_words_with_its_bootstrap_range_when_the_fit_measured_one(client, classroom):
    model = _serve_a_tracer_that_learned(classroom.course, [("add", "frac"), ("lin", "frac")])
    html = _page(client, classroom).content.decode()
    assert "how strongly the model links them" in html and "not a measure of how sure it is" in html
    assert re.search(r"likely \(\d+%\)", html.split('data-edge="lin>frac"')[1].split("</tr>")[0])  # no range

    # The same version with an interval per edge, as a refit with a bootstrap stores it.
    tracer = course_engine(classroom.course).tracer
    kcs = list(tracer.kcs)
    low = [[0.7 if (a, b) == ("lin", "frac") else 0.0 for b in kcs] for a in kcs]
    high = [[0.9 if (a, b) == ("lin", "frac") else 0.3 for b in kcs] for a in kcs]
    learned = prior_tracer(kcs, [("add", "frac"), ("lin", "frac")], dict(tracer.item_kcs),
                           dict(zip(tracer.items, tracer.params["item_b"].tolist())))
    learned.config["edge_intervals"] = {"kcs": kcs, "low": low, "high": high, "fits": 5, "percentiles": [10, 90]}
    with tempfile.NamedTemporaryFile(suffix=".pt") as file:
        learned.save(file.name)
        model.checkpoint = file.read()
    TracerModel.objects.update(is_active=False)
    model.pk = None
    model.is_active = True
    model.save()
    response = _page(client, classroom)
    html = response.content.decode()
    row = html.split('data-edge="lin>frac"')[1].split("</tr>")[0]
    assert "likely (70-90%)" in row
    assert "fitted again on\n    learners drawn at random" in html and "not a measure of how sure" not in html
    assert {r["sure"] for r in response.context["edges"] if r["pre"] == "add" and r["kc"] == "lin"} == {"unlikely (0-30%)"}
