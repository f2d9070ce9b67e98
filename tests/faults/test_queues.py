"""Queues by kind of work (tutor/queues.py): with a worker per kind, as docs/serving.md runs them, a
tutor reply that a learner waits for is written while a refit runs (issue 22, item 1).

A refit stops early once it converges (seconds on the demo's data), so the test holds it mid-fit
with SIGSTOP, as a 30-minute refit of a large course would hold its worker, and lets it go on after."""

import os
import signal

import pytest

from tests.llm import fake_sse

from .conftest import wait_for

pytestmark = pytest.mark.services


def test_a_tutor_reply_is_written_while_a_refit_runs(stack):
    server, url = fake_sse.start()
    fake_sse.Script.chunks = [(fake_sse.event("What does the first step ask you to find?"), 0), (fake_sse.DONE, 0)]
    try:
        assert stack.driver("practise", "--learners", "30", "--answers", "40")["error_count"] == 0  # data to fit
        stack.env.update(LLM_BACKEND="openai", LLM_BASE_URL=url, LLM_MODEL="fake")
        refitter = stack.start_worker(queues="long")
        stack.start_worker(queues="interactive,updates")
        job = stack.driver("enqueue_refit", "--epochs", "30")
        lock = f":1:tracer-refit-lock:{job['course']}"
        wait_for(lambda: stack.redis.client.get(lock), timeout=120, every=0.05, what="the refit to start")
        os.killpg(refitter.pid, signal.SIGSTOP)  # the refit is mid-fit, holding its worker

        turn = stack.driver("model_turn")
        assert turn["status"] == "pending"  # queued, not written in the request
        written = wait_for(lambda: (found := stack.driver("turn_status", "--turn", str(turn["turn"])))["status"] == "done"
                           and found, timeout=120, what=f"the tutor reply to be written\n{stack.worker_log()}")
        assert written["text"].strip()
        assert stack.redis.client.get(lock), "the refit ended before the reply: the test showed nothing"

        os.killpg(refitter.pid, signal.SIGCONT)
        wait_for(lambda: stack.driver("models")["models"], timeout=240, what=f"the refit to finish\n{stack.worker_log()}")
    finally:
        server.shutdown()
