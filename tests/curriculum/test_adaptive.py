import math

import pytest

from curriculum import make_planner
from curriculum.planners.adaptive import expected_sigmoid
from curriculum.simulate import make_world


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
    assert p.save_pool()["retired"]["x00"] == 1
    for n in range(20):
        assert not p.select("A", 1 + n * 0.01).startswith("x00.")
    p.start("B")  # the classroom prior: (1 + 0 mastered) / (2 + 0 + 1 retired)
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
