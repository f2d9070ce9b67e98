import itertools

import numpy as np
import pytest

from psikt.curriculum.episode import run_episode
from psikt.curriculum.oracle import Oracle
from psikt.curriculum.planners import make_planner
from psikt.curriculum.simulate import make_world


def _child_with_parents(world):
    return next(k for k, ps in enumerate(world.parents) if ps)


def _items_of(world, k):
    return np.flatnonzero(world.item_kc == k)


def test_f1_no_learning_while_parents_unmastered():
    world = make_world("F1", "S1")
    k = _child_with_parents(world)
    s = world.student(0)
    for n in range(300):
        s.answer(int(_items_of(world, k)[0]), n * 0.01)
    assert not s.mastered()[k]
    assert s.recall()[k] == pytest.approx(world.kc_params["guess"][k])
    s.state[world.parents[k]] = True
    for n in range(300):
        s.answer(int(_items_of(world, k)[0]), 3 + n * 0.01)
    assert s.mastered()[k]
    assert s.recall()[k] == pytest.approx(1 - world.kc_params["slip"][k])


def test_f1_distractors_are_unlearnable():
    world = make_world("F1", "S3")
    s = world.student(0)
    x = int(np.flatnonzero(~world.learnable)[0])
    for n in range(200):
        s.answer(int(_items_of(world, x)[0]), n * 0.01)
    assert not s.mastered()[x]


def test_f2_forgetting_decays_recall_towards_the_long_term_level():
    world = make_world("F2", "S2")
    s = world.student(0)
    root = int(np.flatnonzero(world.learnable)[0])
    for n in range(10):
        s.answer(int(_items_of(world, root)[0]), n * 0.001)
    learned = s.recall()[root]
    s.advance(5.0)
    after5 = s.recall()[root]
    s.advance(90.0)
    assert learned > after5 > s.recall()[root] > 0
    assert s.z[root] == pytest.approx(s.level[root], abs=0.1)
    no_forgetting = make_world("F2", "S1").student(0)
    for n in range(10):
        no_forgetting.answer(int(_items_of(world, root)[0]), n * 0.001)
    before = no_forgetting.recall()[root]
    no_forgetting.advance(30.0)
    assert no_forgetting.recall()[root] == before


def test_f3_learning_only_inside_the_zone():
    world = make_world("F3", "S1")
    root = int(np.flatnonzero(world.learnable)[0])
    items = _items_of(world, root)          # levels 0.5, 1.5, ..., 7.5
    s = world.student(0)
    s.answer(int(items[3]), 0.0)            # gap 3.5 > width 1.5: too hard
    assert s.level[root] == 0.0
    s.answer(int(items[0]), 0.0)            # gap 0.5: inside
    assert s.level[root] == pytest.approx(min(s.eta[root], 0.5))
    s.level[root] = 2.0
    s.answer(int(items[1]), 0.0)            # level 1.5 <= 2.0: too easy
    assert s.level[root] == 2.0
    p = [s.p_correct(int(i)) for i in items]
    assert all(a > b for a, b in itertools.pairwise(p))  # success falls off with the gap


def test_worlds_are_deterministic_and_seeded():
    a, b, c = (make_world("F2", "S4", seed=s) for s in (1, 1, 2))
    assert a.domain.prerequisites == b.domain.prerequisites
    assert np.array_equal(a.kc_params["eta"], b.kc_params["eta"])
    assert not np.array_equal(a.kc_params["eta"], c.kc_params["eta"])


def test_s4_perturbs_the_declared_graph_only():
    base, noisy = make_world("F1", "S1"), make_world("F1", "S4")
    assert base.parents == noisy.parents
    true = {(base.kcs[p], base.kcs[k]) for k, ps in enumerate(base.parents) for p in ps}
    assert set(base.domain.prerequisites) == true
    assert set(noisy.domain.prerequisites) != true


def test_episode_is_deterministic_under_a_seed():
    world = make_world("F1", "S2", seed=4)
    runs = [run_episode(world, 7, make_planner("random", world.domain, seed=1), 60) for _ in range(2)]
    assert runs[0] == runs[1]
    other = run_episode(make_world("F1", "S2", seed=5), 7, make_planner("random", world.domain, seed=1), 60)
    assert other.log != runs[0].log


def test_oracle_beats_random_and_wastes_nothing_in_f1():
    world = make_world("F1", "S1")
    oracle = [run_episode(world, n, Oracle(), 150) for n in range(5)]
    rand = [run_episode(world, n, make_planner("random", world.domain), 150) for n in range(5)]
    assert np.mean([o.posttest for o in oracle]) > np.mean([r.posttest for r in rand])
    assert all(o.waste == 0 for o in oracle)
