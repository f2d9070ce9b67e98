import json
import math

import numpy as np
import pytest

from psikt.curriculum import Domain, Item, make_planner
from psikt.curriculum.planners.adaptive import expected_sigmoid
from psikt.curriculum.simulate import make_world
from psikt.tracing import prior_tracer


@pytest.fixture
def world():
    return make_world("F1", "S1", seed=3)


def test_probit_approximation_by_hand():
    assert expected_sigmoid(0.0, 3.0) == 0.5
    assert expected_sigmoid(1.0, 0.0) == pytest.approx(1 / (1 + math.exp(-1)))
    assert expected_sigmoid(1.0, 2.0) == pytest.approx(1 / (1 + math.exp(-1 / math.sqrt(1 + math.pi * 4 / 8))))


def test_needs_a_tracer_or_pilot(world):
    with pytest.raises(ValueError, match="needs a fitted tracer"):
        make_planner("adaptive", world.domain)


def test_retires_a_kc_that_does_not_move_and_pools_it(world, f1_tracer):
    p = make_planner("adaptive", world.domain, tracer=f1_tracer, retire_after=8, cooldown=30)
    p.start("A")
    for n in range(8):  # a root KC answered wrong 8 times: no success, no progress
        p.observe("A", "x00.0", False, n * 0.01)
    st = p.save_state("A")
    assert st["retired"] == {"x00": 8 + 30}
    assert p.save_pool()["unreached"]["x00"] == 8
    for n in range(20):
        assert not p.select("A", 1 + n * 0.01).startswith("x00.")
    p.start("B")  # the classroom prior: (1 + 0 reached) / (2 + 0 + 8 unreached answers / retire_after 8)
    assert p.save_state("B")["prior"]["x00"] == pytest.approx(1 / 3)
    assert p.save_state("B")["prior"]["k00"] == pytest.approx(1 / 2)


def test_a_streak_reaches_a_kc_and_rests_it(world, f1_tracer):
    p = make_planner("adaptive", world.domain, tracer=f1_tracer, streak=6)
    p.start("A")
    for n in range(6):
        p.observe("A", "k00.0", True, n * 0.01)
    st = p.save_state("A")
    assert "k00" in st["reached"]
    assert p.save_pool()["mastered"]["k00"] == 1
    assert not p.select("A", 0.07).startswith("k00.")  # resting until its predicted recall drops
    assert p.explain("A")["rule"] == "largest expected gain"


@pytest.fixture
def ladder():
    """One KC whose five items form a ladder of declared difficulties 0.5 .. 4.5, and a KC after it."""
    items = [Item(f"a.{j}", ("a",), j + 0.5) for j in range(5)] + [Item("b.0", ("b",))]
    domain = Domain(kcs=["a", "b"], items=items, prerequisites=[("a", "b")])
    tracer = prior_tracer(domain.kcs, domain.prerequisites, {i.id: i.kcs for i in items},
                          {i.id: i.difficulty for i in items})
    return domain, tracer


def test_staircase_climbs_on_a_right_answer_and_steps_down_after_two_wrong(ladder):
    domain, tracer = ladder
    p = make_planner("adaptive", domain, tracer=tracer, horizon=100)
    p.start("A")
    assert p._item(p.save_state("A"), "a") == "a.0"   # no rung shown yet: the easiest item
    steps = [("a.0", True, 0.5), ("a.1", True, 1.5), ("a.2", False, 1.5), ("a.2", False, 0.5), ("a.1", False, None)]
    for n, (item, correct, rung) in enumerate(steps):
        assert p._item(p._state("A"), "a") == item           # the easiest item above the rung
        p.observe("A", item, correct, n * 0.01)
        assert p.save_state("A")["rung"]["a"] == rung
    assert json.dumps(p.save_state("A"), allow_nan=False)   # "no rung" is null, not -Infinity


def test_retires_only_at_the_bottom_of_the_ladder(ladder):
    domain, tracer = ladder
    p = make_planner("adaptive", domain, tracer=tracer, horizon=100, retire_after=4, streak=6)
    p.start("A")
    p.observe("A", "a.4", True, 0.0)            # rung 4.5
    for n, rung in enumerate([4.5, 3.5, 2.5]):  # the first wrong answer keeps the rung, each next one steps down
        p.observe("A", "a.4", False, 0.01 * (n + 1))
        assert p.save_state("A")["rung"]["a"] == rung
    # Four answers, one right, the later half no better: the old rule would retire "a" here.
    assert p.save_state("A")["retired"] == {}
    p.observe("A", "a.2", False, 0.04)          # rung 1.5
    p.observe("A", "a.1", False, 0.05)          # rung 0.5: the bottom
    assert p.save_state("A")["rung"]["a"] == 0.5
    assert p.save_state("A")["retired"] == {"a": 6 + 30}


def test_streak_is_half_a_kcs_share_of_the_horizon_between_3_and_6(world, f1_tracer):
    assert len(world.domain.practicable) == 14
    streak = lambda n: make_planner("adaptive", world.domain, tracer=f1_tracer, horizon=n).streak
    assert [streak(50), streak(100), streak(150), streak(300)] == [3, 4, 5, 6]   # 50/14/2 = 1.8 -> 3; 100/28 = 3.6 -> 4
    assert make_planner("adaptive", world.domain, tracer=f1_tracer, horizon=50, streak=8).streak == 8


def test_pooled_prior_counts_unreached_answers_in_blocks(world, f1_tracer):
    p = make_planner("adaptive", world.domain, tracer=f1_tracer, streak=3, retire_after=8)
    p.start("A")
    p.observe("A", "k00.0", False, 0.0)
    for n in range(3):
        p.observe("A", "k00.1", True, 0.01 * (n + 1))
    assert p.save_pool()["mastered"]["k00"] == 1 and p.save_pool()["unreached"]["k00"] == 4
    p.start("B")    # (1 + 1 reach) / (2 + 1 + 4 / 8)
    assert p.save_state("B")["prior"]["k00"] == pytest.approx(2 / 3.5)
    # A's own share is the pool it made; a planner that never taught A rebuilds the pool from it.
    assert p.save_state("A")["share"] == {"mastered": {"k00": 1}, "unreached": {"k00": 4}}
    other = make_planner("adaptive", world.domain, tracer=f1_tracer, streak=3, retire_after=8)
    other.load_pool(other.pool_of([p.save_state("A")["share"], None]))
    assert other.save_pool() == p.save_pool()
    other.start("B", keep={"selections": 7})
    assert other.save_state("B")["prior"] == p.save_state("B")["prior"] and other.save_state("B")["selections"] == 7


def test_a_reached_parent_opens_its_declared_child(ladder):
    domain, tracer = ladder
    p = make_planner("adaptive", domain, tracer=tracer, declared_ready=0.6)
    recall = np.array([0.5, 0.3])
    closed, opened = p._readiness(recall, np.array([False, False])), p._readiness(recall, np.array([True, False]))
    assert opened[0] == closed[0]                   # a root has no declared parent to gate it
    assert closed[1] / opened[1] == pytest.approx(1 / (1 + math.exp(-10 * (0.5 - 0.6))))


def test_a_review_is_one_answer_right_rests_longer_wrong_goes_back_to_practice(ladder):
    domain, tracer = ladder
    p = make_planner("adaptive", domain, tracer=tracer, review_drop=0.15, review_growth=2.0)
    p.start("A")
    p.observe("A", "a.0", True, 0.0)
    st = p.save_state("A")
    recall = p._beliefs(st["tracer"], 0.01)[0][0]
    st["reached"]["a"] = float(recall) + 0.2    # recall has dropped by more than 0.15: due
    p.load_state("A", st)
    assert p.select("A", 0.01).startswith("a.") and p.explain("A")["rule"].startswith("review")
    p.observe("A", "a.1", True, 0.01)
    st = p.save_state("A")
    assert st["reviews"] == {"a": 1} and "a" in st["reached"]
    assert p._drop(st, "a") == pytest.approx(0.3)     # the next review waits for twice the drop
    st["reached"]["a"] = float(p._beliefs(st["tracer"], 0.02)[0][0]) + 0.5
    p.load_state("A", st)
    p.observe("A", "a.1", False, 0.02)
    st = p.save_state("A")
    assert "a" not in st["reached"] and st["reviews"] == {} and st["recent"]["a"] == [0]


def test_a_state_saved_before_the_ladder_and_reviews_existed_still_loads(world, f1_tracer):
    p = make_planner("adaptive", world.domain, tracer=f1_tracer)
    p.start("A")
    p.observe("A", "k00.0", True, 0.0)
    old = {k: v for k, v in p.save_state("A").items() if k not in ("rung", "reviews")}
    p.load_state("B", old)
    assert p.save_state("B")["rung"] == {} and p.save_state("B")["reviews"] == {}
    p.observe("B", p.select("B", 0.01), False, 0.01)
    assert p.save_state("B")["answers"] == 2
