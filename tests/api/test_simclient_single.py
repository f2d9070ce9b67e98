"""tutor.simclient through the single step (`attempts/` with `"next": true`, one request a step,
issue 19) against a live server, closed and open loop, and `direct`, the same planner in process."""

from io import StringIO

from tests.api.test_simclient import PILOT, served  # noqa: F401 (the live server and its course)
from tutor.simclient.__main__ import main
from tutor.simclient.domain import served_world
from tutor.simclient.runs import run_load


def test_a_single_step_run_stores_every_attempt_once_in_one_request_a_step(served):  # noqa: F811
    report = run_load(url=served["url"], token=served["token"], world=served_world("F1", "S1", 0),
                      course="sim-f1-s1-0", planner="mastery", learners=3, concurrency=1, steps=3,
                      duration=120, warmup=0, via="single", progress=StringIO())
    assert report["errors"] == {}
    assert report["stored"] == {"acknowledged": 9, "stored": 9, "lost": 0, "duplicated": 0}
    # next/ once per learner, then one attempts/ per answer.
    assert (report["latency"]["next"]["n"], report["latency"]["attempts"]["n"]) == (3, 9)
    assert report["open_loop"] is None


def test_an_open_loop_run_offers_steps_at_the_rate_asked(served):  # noqa: F811
    report = run_load(url=served["url"], token=served["token"], world=served_world("F1", "S1", 0),
                      course="sim-f1-s1-0", planner="mastery", learners=4, concurrency=4, steps=1000,
                      duration=3, warmup=0, via="single", rate=4, progress=StringIO())
    loop = report["open_loop"]
    assert loop["offered_per_s"] == 4 and 11 <= loop["offered"] <= 13
    assert report["errors"] == {}
    stored = report["stored"]
    assert stored["acknowledged"] == stored["stored"] and stored["lost"] == stored["duplicated"] == 0
    assert report["attempts_acknowledged"] + loop["dropped"] <= loop["offered"]


def test_direct_reports_the_in_process_rate_of_the_same_planner():
    report = main(["direct", "--planner", "mastery", "--learners", "2", "--steps", "5", "--planner-seed", "1",
                   "--pilot", str(PILOT), "--json", "-"])
    assert (report["learners"], report["steps"], report["planner"]) == (2, 5, "mastery")
    assert report["steps_per_s"] > 0 and report["cpu_ms_per_step"] > 0
