"""tutor.simclient through the cohort step endpoint (issue 19) against a live server: the planners
reproduce the direct benchmark per learner, and a load run stores every acknowledged attempt once."""

from io import StringIO

from django.db import connection

from tests.api.test_simclient import PILOT, served  # noqa: F401 (the live server and its course)
from tutor.simclient.__main__ import main
from tutor.simclient.domain import served_world
from tutor.simclient.runs import run_load


def test_planners_through_the_step_endpoint_score_exactly_as_the_direct_benchmark(served):  # noqa: F811
    report = main(["compare", "--via", "step", "--url", served["url"], "--token", served["token"], "--learners", "2",
                   "--steps", "12", "--planners", "random,mastery,adaptive", "--pilot", str(PILOT),
                   "--planner-seed", str(served["planner_seed"]), "--json", "-"])
    assert report["via"] == "step"
    for row in report["planners"]:
        assert row["api_per_learner"] == row["direct_per_learner"], row["planner"]
        assert len(row["api_per_learner"]) == 2 and 0 < row["api_posttest"] < 1
    assert report["same_ranking"]


def test_a_load_run_through_the_step_endpoint_stores_every_attempt_once(served):  # noqa: F811
    workers = 2 if connection.vendor == "postgresql" else 1
    report = run_load(url=served["url"], token=served["token"], world=served_world("F1", "S1", 0),
                      course="sim-f1-s1-0", planner="mastery", learners=4, concurrency=workers, steps=3,
                      duration=120, warmup=0, via="step", progress=StringIO())
    assert report["errors"] == {}
    assert report["stored"] == {"acknowledged": 12, "stored": 12, "lost": 0, "duplicated": 0}
    # One request a step of each worker's learners: a first step, then one per answer.
    assert report["latency"]["step"]["n"] == workers * 4 and "next" not in report["latency"]
    assert report["attempts_per_s"] > 0
