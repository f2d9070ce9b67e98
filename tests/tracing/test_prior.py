import json

import pytest

from psikt.tracing import prior_tracer


@pytest.fixture
def tracer():
    return prior_tracer(
        ["add", "frac", "lin"], [("add", "frac"), ("frac", "lin")],
        {"easy": ("add",), "hard": ("add",), "eq": ("lin",)}, {"easy": -2.0, "hard": 2.0},
    )


def test_prior_tracer_serves_before_any_data(tracer):
    state = tracer.new_learner()
    json.dumps(state)
    assert tracer.predict(state, "easy") > tracer.predict(state, "hard")  # authors' difficulty hints
    after = tracer.update(state, "eq", True, 3600.0)
    assert tracer.mastery(after)["lin"].p > tracer.mastery(state)["lin"].p


def test_prior_tracer_reads_declared_prerequisites_as_strong_edges(tracer):
    graph = tracer.prerequisites()
    assert graph.top["frac"][0][0] == "add"
    assert graph.top["lin"][0][0] == "frac"
    k = {kc: i for i, kc in enumerate(graph.kcs)}
    assert graph.matrix[k["add"], k["frac"]] > graph.matrix[k["frac"], k["add"]]


def test_unknown_prerequisite_is_an_error():
    with pytest.raises(KeyError):
        prior_tracer(["a"], [("ghost", "a")], {"i": ("a",)})
