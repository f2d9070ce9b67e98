"""Faults on the real components: PostgreSQL, Redis (a private redis-server the test may stop) and
Celery worker processes (SIGKILLed mid-job). See conftest.py for how they are started and reaped."""

import json
import os
import pickle
import re

import pytest

from tutor.queues import QUEUES, UPDATES

from .conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.timeout(3600)]  # the soak alone took 17-26 min on 2 cores


def task_results(stack) -> dict[str, str]:
    """Celery task id -> state, from the Redis result backend."""
    client = stack.redis.client
    return {key.decode().removeprefix("celery-task-meta-"): json.loads(client.get(key))["status"]
            for key in client.scan_iter("celery-task-meta-*")}


def trait_jobs_done(stack) -> int:
    """How many distinct trait jobs the workers report as succeeded (they keep no result)."""
    done = re.findall(r"learner_traits_estimate\[([0-9a-f-]+)\] succeeded", stack.worker_log(tail=None))
    return len(set(done))


def queue_drained(stack) -> bool:
    """Nothing waiting in the queue and nothing delivered but unacknowledged."""
    client = stack.redis.client
    return sum(client.llen(queue.name) for queue in QUEUES) == 0 and client.hlen("unacked") == 0


def test_refit_killed_mid_fit_is_redelivered_and_serves_one_whole_version(stack):
    assert stack.driver("practise", "--learners", "30", "--answers", "40")["error_count"] == 0
    job = stack.driver("enqueue_refit", "--epochs", "30")
    lock = f":1:tracer-refit-lock:{job['course']}"
    first = stack.start_worker()
    owner = wait_for(lambda: stack.redis.client.get(lock), timeout=60, every=0.05, what="the refit to take its lock")
    assert pickle.loads(owner) == job["task"]  # Django's Redis cache stores pickles
    stack.kill(first)
    # Killed inside the refit (it still holds the lock), and no version, whole or half, was stored.
    assert stack.redis.client.get(lock) == owner
    assert stack.driver("models") == {"models": []}
    stack.start_worker()
    wait_for(lambda: task_results(stack).get(job["task"]) == "SUCCESS" and queue_drained(stack), timeout=240,
             what=f"the redelivered refit to finish\n{stack.worker_log()}")
    # One version, stored by the redelivered task (same id), whole (it loads) and served.
    assert stack.driver("models") == {"models": [{"id": 1, "active": True, "owner": job["task"], "loads": True}]}
    assert stack.redis.client.get(lock) is None


def test_worker_killed_in_a_queue_of_trait_jobs_loses_none_while_answers_go_on(stack):
    stack.env["TRACER_TRAITS_EVERY"] = "5"
    assert stack.driver("practise", "--learners", "6", "--answers", "20")["error_count"] == 0
    assert stack.redis.client.llen(UPDATES) == 24  # one job per learner per 5 answers, waiting for a worker
    first = stack.start_worker()
    wait_for(lambda: trait_jobs_done(stack) >= 5, timeout=120, what="the first trait jobs to finish")
    stack.kill(first)
    # With no worker, answers are still taken; their jobs queue up behind the killed one.
    assert stack.driver("practise", "--learners", "6", "--answers", "10")["error_count"] == 0
    stack.start_worker()
    wait_for(lambda: trait_jobs_done(stack) == 36 and queue_drained(stack),
             timeout=300, what=f"all 36 trait jobs to finish\n{stack.worker_log()}")
    found = stack.driver("verify", "--traits")
    assert found == {"learners": 6, "attempts": 180, "per_learner": [30], "duplicates": 0, "mismatched_states": [],
                     "traits_off": [], "traits_estimated": 6}


def test_redis_outage_answers_are_recorded_then_jobs_and_pushes_resume(stack):
    stack.env["TRACER_TRAITS_EVERY"] = "5"
    stack.start_worker()
    assert stack.driver("push", "--tag", "live") == {"received": "class.changed"}
    stack.redis.stop()
    assert stack.driver("practise", "--learners", "3", "--answers", "10") == {
        "created": 30, "errors": [], "error_count": 0}
    stack.redis.start()  # the same port, empty: what was queued before the outage is gone with it
    assert stack.driver("practise", "--learners", "3", "--answers", "5")["error_count"] == 0
    wait_for(lambda: trait_jobs_done(stack) == 3 and queue_drained(stack), timeout=120,
             what=f"the trait jobs after the outage to run\n{stack.worker_log()}")
    assert stack.driver("push", "--tag", "live") == {"received": "class.changed"}
    found = stack.driver("verify", "--traits")
    assert found == {"learners": 3, "attempts": 45, "per_learner": [15], "duplicates": 0, "mismatched_states": [],
                     "traits_off": [], "traits_estimated": 3}


SOAK_LEARNERS = 50
# Sized for CI's budget on 2 cores: 50 x 200 = 10,000 answers (plus 1,000 replays), half of the 20,000 that
# took 421 s with their check on a shared box at load average 11-22; the full-size run, 50,000 answers in
# 17-26 minutes, is FAULTS_SOAK_ANSWERS=1000 make test-services (docs/benchmarks.md, "CI time").
SOAK_ANSWERS = int(os.environ.get("FAULTS_SOAK_ANSWERS", "200"))


def test_fifty_concurrent_learners_lose_and_double_no_answer_and_keep_state_equal_to_a_rebuild(stack):
    stack.env["DATABASE_POOL_MAX"] = str(SOAK_LEARNERS + 5)
    run = stack.driver("soak", "--learners", str(SOAK_LEARNERS), "--answers", str(SOAK_ANSWERS), timeout=3000)
    print(f"soak: {SOAK_LEARNERS} learners x {SOAK_ANSWERS} answers in {run['seconds']} s")
    assert (run["error_count"], run["errors"], run["replays_created"]) == (0, [], 0)
    found = stack.driver("verify", timeout=1800)
    assert found == {"learners": SOAK_LEARNERS, "attempts": SOAK_LEARNERS * SOAK_ANSWERS,
                     "per_learner": [SOAK_ANSWERS], "duplicates": 0, "mismatched_states": [], "traits_off": [],
                     "traits_estimated": 0}
