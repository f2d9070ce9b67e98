"""The rollout planner and the upper bound on the post-test (``Student.posttest_bound``)."""
import itertools

import numpy as np
import pytest

from psikt.curriculum import make_planner, planner_names
from psikt.curriculum.episode import run_episode
from psikt.curriculum.oracle import Oracle
from psikt.curriculum.planners import planner_class
from psikt.curriculum.simulate import best_allocation, make_world, session_time
from psikt.tracing import prior_tracer


def _policy(name, world, horizon):
    d = world.domain
    if planner_class(name).needs_tracer:
        tracer = prior_tracer(d.kcs, d.prerequisites, {i.id: i.kcs for i in d.items},
                              {i.id: i.difficulty for i in d.items}, seed=0)
        return make_planner(name, d, seed=1, tracer=tracer, horizon=horizon)
    return make_planner(name, d, seed=1, **({"horizon": horizon} if name == "fixed_order" else {}))


@pytest.mark.parametrize("family,scenario", [("F1", "S1"), ("F1", "S2"), ("F2", "S2"), ("F3", "S1"), ("F4", "S1")])
def test_the_bound_holds_for_every_planner_and_every_learner(family, scenario):
    """The bound is pathwise (see ``posttest_bound``): no policy, the greedy oracle included, beats it
    on any learner, not only on average."""
    world, horizon = make_world(family, scenario, seed=2, course=0), 40
    bounds = [world.student(n).posttest_bound(horizon) for n in range(3)]
    for name in [*planner_names(), "oracle"]:
        policy = Oracle(0) if name == "oracle" else _policy(name, world, horizon)
        for n, bound in enumerate(bounds):
            assert run_episode(world, n, policy, horizon).posttest <= bound + 1e-9, (name, n)


@pytest.mark.parametrize("family", ["F1", "F2", "F3", "F4"])
def test_the_greedy_oracle_stays_under_the_bound_and_the_bound_is_not_vacuous(family):
    world, horizon = make_world(family, "S1", seed=101, course=1), 30
    for n in range(8):
        bound = world.student(n).posttest_bound(horizon)
        assert run_episode(world, n, Oracle(0), horizon).posttest <= bound + 1e-9
        assert bound < 1   # 30 items cannot teach everything: the bound says so


def test_the_bound_grows_with_the_horizon_and_needs_a_fresh_student():
    world = make_world("F1", "S1", seed=0, course=0)
    bounds = [world.student(3).posttest_bound(n) for n in (5, 20, 80)]
    assert bounds == sorted(bounds) and bounds[0] < bounds[-1]
    student = world.student(3)
    student.answer(0, session_time(0))
    with pytest.raises(ValueError, match="fresh student"):
        student.posttest_bound(10)


def test_best_allocation_is_the_brute_force_maximum():
    rng = np.random.default_rng(0)
    for _ in range(20):
        curves, horizon = rng.random((3, 6)), 5
        brute = max(sum(curves[k, n] for k, n in enumerate(split))
                    for split in itertools.product(range(horizon + 1), repeat=3) if sum(split) <= horizon)
        assert best_allocation(curves, horizon) == pytest.approx(brute)


def test_rollout_serves_the_best_kc_of_its_objective_and_explains_it():
    world = make_world("F2", "S1", seed=0, course=0)
    planner = _policy("rollout", world, 30)
    planner.start("L")
    student = world.student(0)
    for step in range(30):
        t = session_time(step)
        item = planner.select("L", t)
        why = planner.explain("L")
        assert why["item"] == item and world.domain.item(item).kcs == (why["kc"],)
        # Practice never lowers the predicted post-test: the chosen plan is worth at least doing nothing.
        assert why["value"] >= why["value_now"] - 1e-9
        planner.observe("L", item, student.answer(world.domain.item_index[item], t), t)


def test_rollout_explores_by_drawing_from_the_belief():
    """Thompson draws: one draw per choice varies the first choice across learners while the belief
    is wide; many draws average it out towards one choice."""
    world = make_world("F1", "S1", seed=0, course=0)
    first = {}
    for samples in (1, 256):
        planner = _policy("rollout", world, 150)
        planner.samples = samples
        picks = set()
        for n in range(12):
            planner.start(f"L{n}")
            picks.add(world.domain.item(planner.select(f"L{n}")).kcs)
        first[samples] = picks
    assert len(first[1]) > len(first[256])


def test_rollout_refuses_a_plan_of_no_steps(f1_tracer):
    world = make_world("F1", "S1", seed=3)
    with pytest.raises(ValueError, match="depth"):
        make_planner("rollout", world.domain, tracer=f1_tracer, depth=0)
