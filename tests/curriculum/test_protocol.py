"""The benchmark's protocol of issue 23: worlds that hide the truth, S4 noise that reaches every
planner reading the graph, the hierarchical bootstrap, the seed sets and the misspecified family."""
import re

import numpy as np
import pytest

from psikt.curriculum.benchmark import (
    PRIOR_VARIANT,
    SEED_SETS,
    hierarchical_ci,
    make_policy,
    paired_ci,
    policies_of,
    seed_set,
)
from psikt.curriculum.episode import run_episode
from psikt.curriculum.simulate import LAYERS, PER_LAYER, PowerLawStudent, make_world, session_time

GRAPH_READERS = ["fixed_order", "mastery", "zpdes", "sec", "dump", "fsrs_review", PRIOR_VARIANT]


def true_layer(world, kc: str) -> int:
    """The layer of a KC in the simulator's truth (distractors: LAYERS)."""
    k = world.domain.kc_index[kc]
    depth, frontier = 0, world.parents[k]
    while frontier:
        depth, frontier = depth + 1, [p for q in frontier for p in world.parents[q]]
    return depth if world.learnable[k] else LAYERS


def test_shuffled_worlds_name_nothing_and_declare_no_layer_order():
    worlds = [make_world("F1", "S1", seed=7, course=c) for c in range(8)]
    for w in worlds:
        assert all(re.fullmatch(r"kc-\d{4}", k) for k in w.domain.kcs)          # distractors look like the rest
        assert all(re.fullmatch(r"item-\d{5}", i.id) for i in w.domain.items)
        assert w.learnable.sum() == LAYERS * PER_LAYER
        # The truth travels with the names: each item's KC index is its declared KC's.
        assert all(w.item_kc[n] == w.domain.kc_index[i.kcs[0]] for n, i in enumerate(w.domain.items))
    declared = [[true_layer(w, k) for k in w.domain.kcs] for w in worlds]
    assert any(d != sorted(d) for d in declared)
    # Nor does the topological order the planners follow come out in layer order every time.
    topo = [[true_layer(w, k) for k in w.domain.order if true_layer(w, k) < LAYERS] for w in worlds]
    assert any(t != sorted(t) for t in topo)
    assert len({tuple(w.domain.kcs) for w in worlds}) == len(worlds)


def test_old_protocol_world_is_unchanged():
    w = make_world("F1", "S1", seed=3)
    assert w.domain.kcs[:2] == ["k00", "k01"] and w.domain.kcs[-1] == "x01" and w.key == (3,)


@pytest.mark.parametrize("name", GRAPH_READERS)
def test_s4_noise_changes_the_choices_of_every_planner_that_reads_the_graph(name):
    base, noisy = make_world("F1", "S1", seed=3, course=0), make_world("F1", "S4", seed=3, course=0)
    assert base.parents == noisy.parents and base.domain.kcs == noisy.domain.kcs

    def choices(world):
        return [a[0] for a in run_episode(world, 0, make_policy(name, world, 60, []), 60).log]

    assert choices(base) != choices(noisy)


def test_hierarchical_ci_covers_the_mean_when_courses_differ_and_the_learner_bootstrap_does_not():
    rng = np.random.default_rng(0)
    hits_h = hits_flat = 0
    reps = 150
    for _ in range(reps):
        # 8 courses whose means spread far more than their learners do.
        values = rng.normal(0, 1.0, (8, 1)) + rng.normal(0, 0.1, (8, 10))
        lo, hi = hierarchical_ci(values, rng, draws=1000)
        hits_h += lo <= 0 <= hi
        lo, hi = paired_ci(values.ravel(), rng)
        hits_flat += lo <= 0 <= hi
    assert hits_h / reps > 0.8
    assert hits_flat / reps < 0.4


def test_hierarchical_ci_shape_and_levels():
    rng = np.random.default_rng(1)
    values = rng.normal(0.2, 0.3, (4, 12))
    lo95, hi95 = hierarchical_ci(values, rng)
    lo99, hi99 = hierarchical_ci(values, rng, level=0.995, draws=20000)
    assert lo99 < lo95 < values.mean() < hi95 < hi99
    assert hierarchical_ci(np.full((3, 5), 0.4), rng) == pytest.approx([0.4, 0.4])


def test_seed_sets_are_disjoint_and_named():
    assert not set(SEED_SETS["dev"]) & set(SEED_SETS["heldout"])
    assert seed_set("heldout") == ("heldout", SEED_SETS["heldout"])
    assert seed_set(",".join(map(str, SEED_SETS["heldout"][:2])))[0] == "heldout"
    assert seed_set("0,2")[0] == "dev"
    assert seed_set(f"0,{SEED_SETS['heldout'][0]}")[0] == "ad hoc"


def test_adaptive_always_runs_beside_its_prior_tracer_twin():
    assert policies_of(["mastery", "adaptive"]) == ["mastery", "adaptive", PRIOR_VARIANT, "oracle", "bound"]
    assert PRIOR_VARIANT not in policies_of(["mastery"])


def test_f4_forgets_by_a_power_law_and_learns_only_with_every_parent_mastered():
    world = make_world("F4", "S1", seed=2, course=0)
    s = world.student(0)
    assert isinstance(s, PowerLawStudent)
    p = world.kc_params
    root = next(k for k in range(world.n_kcs) if world.learnable[k] and not world.parents[k])
    s.acquired[root] = True
    for dt in (0.5, 2.0, 8.0):
        s.t = dt
        strength = (1 + dt / p["half_life"][root]) ** -s.decay
        assert s.recall()[root] == pytest.approx(p["guess"][root] + (1 - p["guess"][root] - p["slip"][root]) * strength)
    child = next(k for k in range(world.n_kcs) if world.parents[k])
    item = int(np.flatnonzero(world.item_kc == child)[0])
    for _ in range(50):                       # parents not mastered: certain luck still teaches nothing
        s._practise(item, 0.0)
    assert not s.acquired[child]
    for q in world.parents[child]:            # every parent mastered, freshly practised
        s.acquired[q], s.last[q] = True, s.t
    s._practise(item, 0.0)
    assert s.acquired[child]
    # Answers, not knowledge, carry the learner's carelessness and fatigue (late in a session).
    s.fatigue, s.t = 0.3, 10 + session_time(19)   # day 10, the 20th item of the session
    k = world.item_kc[item]
    assert s.p_correct(item) == pytest.approx(s.recall()[k] * (1 - s.careless) * (1 - 0.3 * 19 / 20))


def test_f4_forgets_faster_under_s2():
    assert make_world("F4", "S2", course=0).student(0).decay > make_world("F4", "S1", course=0).student(0).decay
