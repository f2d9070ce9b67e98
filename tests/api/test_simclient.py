"""tutor.simclient against a live server: planners through the API reproduce the direct benchmark,
the load run counts every attempt, and user errors are one-line messages."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tutor.content.models import Course
from tutor.learning import engine
from tutor.learning.models import LearnerState
from tutor.simclient.__main__ import main
from tutor.simclient.client import ClientError
from tutor.simclient.domain import served_world
from tutor.simclient.runs import run_load

PILOT = 3  # a small pilot keeps adaptive's tracer fit (done by the server and again by the direct run) short


@pytest.fixture
def served(transactional_db, live_server, settings, monkeypatch):
    """A benchmark world served as a course, a token, and engines built afresh for this test."""
    monkeypatch.setattr(engine, "_cache", {})
    # A trait re-estimate (which rebuilds a learner's state) every 5 answers: rebuilds happen mid-run.
    settings.TRACER_TRAITS_EVERY = 5
    out = StringIO()
    call_command("load_sim_course", family="F1", scenario="S1", seed=0, pilot=PILOT, stdout=out)
    token = StringIO()
    call_command("create_api_client", "simclient-test", stdout=token)
    course = Course.objects.get(slug="sim-f1-s1-0")
    assert f"planner_seed={course.pk}" in out.getvalue()
    return {"url": live_server.url, "token": token.getvalue().strip(), "planner_seed": course.pk}


def test_planners_through_the_api_score_exactly_as_the_direct_benchmark(served, capsys):
    report = main(["compare", "--url", served["url"], "--token", served["token"], "--learners", "2", "--steps", "12",
                   "--planners", "random,fixed_order,mastery,zpdes,adaptive", "--pilot", str(PILOT),
                   "--planner-seed", str(served["planner_seed"])])
    rows = {row["planner"]: row for row in report["planners"]}
    assert list(rows) == ["random", "fixed_order", "mastery", "zpdes", "adaptive"]
    for name, row in rows.items():
        # Both runs are deterministic (seeded students, seeded planners, same fitted tracer): equal to the
        # bit, adaptive's second learner included, whose prior is pooled over the first.
        assert row["api_per_learner"] == row["direct_per_learner"], name
        assert len(row["api_per_learner"]) == 2 and 0 < row["api_posttest"] < 1
    assert report["api_ranking"] == report["direct_ranking"] and report["same_ranking"]
    # The second adaptive learner did start from a pooled prior, not the empty pool's 1/2 everywhere.
    second = LearnerState.objects.filter(planner="adaptive").order_by("learner_id")[1]
    assert any(p != 0.5 for p in second.planner_state["prior"].values())
    # Different planners taught differently: the comparison is not between identical runs.
    assert len({tuple(row["api_per_learner"]) for row in rows.values()}) > 1
    assert "same ranking: yes" in capsys.readouterr().out


def test_load_run_acknowledges_and_stores_every_attempt_once(served):
    # SQLite serialises writers; concurrent workers are exercised against PostgreSQL (CI services pass).
    workers = 4 if connection.vendor == "postgresql" else 1
    world = served_world("F1", "S1", 0)
    report = run_load(url=served["url"], token=served["token"], world=world, course="sim-f1-s1-0", planner="mastery",
                      learners=3, concurrency=workers, steps=4, duration=120, warmup=0, progress=StringIO())
    assert report["errors"] == {}
    assert report["stored"] == {"acknowledged": 12, "stored": 12, "lost": 0, "duplicated": 0}
    assert report["latency"]["next"]["n"] == 12 and report["latency"]["attempts"]["n"] == 12
    assert report["latency"]["attempts"]["p50_ms"] <= report["latency"]["attempts"]["p99_ms"]
    assert report["attempts_per_s"] > 0


def test_a_resent_attempt_is_stored_once(served):
    """Retrying with the same idempotency key (what the client does after a lost connection)."""
    from tutor.simclient.client import Api, Learner, Stats, reconcile

    stats = Stats()
    api = Api(served["url"], served["token"], stats)
    world = served_world("F1", "S1", 0)
    learner_id = api.call("create", "POST", "/learners/", json={"course": "sim-f1-s1-0", "planner": "random"}).json()["id"]
    learner = Learner(world, 0, learner_id, "resend")
    assert learner.step(api)
    body = api.call("next", "GET", f"/learners/{learner_id}/next/", params={"at": "1970-01-01T00:03:00+00:00"}).json()
    payload = {"item": body["item"]["id"], "correct": True, "timestamp": "1970-01-01T00:03:00+00:00",
               "idempotency_key": "same"}
    first = api.call("attempts", "POST", f"/learners/{learner_id}/attempts/", json=payload)
    again = api.call("attempts", "POST", f"/learners/{learner_id}/attempts/", json=payload)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    stats.acknowledged[learner_id][first.json()["id"]] = payload["timestamp"]
    assert reconcile(api, stats) == {"acknowledged": 2, "stored": 2, "lost": 0, "duplicated": 0}
    api.close()


def test_next_takes_the_simulated_clock_and_rejects_a_bad_one(served):
    from tutor.simclient.client import Api, Stats

    api = Api(served["url"], served["token"], Stats())
    learner_id = api.call("create", "POST", "/learners/", json={"course": "sim-f1-s1-0", "planner": "mastery"}).json()["id"]
    for bad in ("yesterday", "2026-11-25T10:00:00"):  # not a time; no timezone
        response = api.call("next", "GET", f"/learners/{learner_id}/next/", params={"at": bad})
        assert response.status_code == 400 and "at" in response.json()["fields"], bad
    ok = api.call("next", "GET", f"/learners/{learner_id}/next/", params={"at": "1970-01-02T00:00:00+00:00"})
    assert ok.status_code == 200 and ok.json()["reason"]["item"]
    api.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url", "http://example.com:8000", "--token", "x"], "only local servers"),
        (["--url", "ftp://127.0.0.1", "--token", "x"], "--url must look like"),
        (["--url", "http://127.0.0.1:9", "--token", "x"], "cannot reach"),
        (["--url", "http://127.0.0.1:9"], "no token"),
    ],
)
def test_cli_errors_without_a_server_are_one_line(argv, message, monkeypatch):
    monkeypatch.delenv("TUTOR_API_TOKEN", raising=False)
    with pytest.raises(ClientError, match=message):
        main(["load", *argv])


def test_cli_errors_against_the_server_are_one_line_without_traceback(served):
    with pytest.raises(ClientError, match="refused the token"):
        main(["load", "--url", served["url"], "--token", "not-a-token"])
    with pytest.raises(ClientError, match="no course 'sim-f2-s1-0'"):
        main(["load", "--url", served["url"], "--token", served["token"], "--family", "F2"])
    done = subprocess.run([sys.executable, "-m", "tutor.simclient", "load", "--url", served["url"], "--token", "bad"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("simclient: the server refused the token (401)")
