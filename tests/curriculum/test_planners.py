import json

import numpy as np
import pytest

from psikt.curriculum import Domain, Item, UnknownLearnerError, make_planner, planner_names
from psikt.curriculum.planners import planner_class
from psikt.curriculum.planners.arms import kc_difficulty_arms, mean_abs_advantage
from psikt.curriculum.planners.mastery import bkt_update
from psikt.curriculum.planners.sec import learnability_reward
from psikt.curriculum.planners.zpdes import learning_progress
from psikt.curriculum.simulate import make_world, session_time


def test_bkt_update_by_hand():
    # correct: 0.1*0.9 / (0.09 + 0.9*0.2) = 1/3, then 1/3 + 2/3*0.2 = 7/15
    assert bkt_update(0.1, True, guess=0.2, slip=0.1, learn=0.2) == pytest.approx(7 / 15)
    # wrong: 0.01 / (0.01 + 0.72) = 1/73, then + (72/73)*0.2
    assert bkt_update(0.1, False, guess=0.2, slip=0.1, learn=0.2) == pytest.approx(1 / 73 + 72 / 73 * 0.2)


def test_mastery_moves_on_at_threshold_and_at_cap(chain):
    p = make_planner("mastery", chain)
    p.start("L")
    for _ in range(10):  # always wrong: P(L) stays low, the cap of 10 attempts moves it on
        assert chain.item(p.select("L")).kcs == ("k1",)
        p.observe("L", p.explain("L")["item"], False)
    assert chain.item(p.select("L")).kcs == ("k2",)
    for _ in range(3):  # 0.1 -> 7/15 -> ... three right answers pass 0.95
        p.observe("L", p.select("L"), True)
    assert p.save_state("L")["p"]["k2"] >= 0.95
    assert chain.item(p.select("L")).kcs == ("k3",)


def test_fixed_order_equal_share(chain):
    p = make_planner("fixed_order", chain, horizon=6)
    p.start("L")
    picks = []
    for _ in range(7):
        item = p.select("L")
        p.observe("L", item, True)
        picks.append(item)
    assert picks == ["k1.0", "k1.1", "k2.0", "k2.1", "k3.0", "k3.1", "k1.0"]


def test_zpdes_reward_and_quality_by_hand(chain):
    assert learning_progress([0, 0, 1, 1], 6) == 1.0
    assert learning_progress([1, 1, 1, 0, 0, 0, 1], 6) == pytest.approx(1 / 3 - 2 / 3)
    assert learning_progress([1], 6) == 0.0
    p = make_planner("zpdes", chain)
    p.start("L")
    assert p.active(p.save_state("L")) == ["k1"]  # only the root is in the ZPD at first
    p.observe("L", "k1.0", False)   # r = 0: w = 0.2*1 + 0.8*0
    assert p.save_state("L")["w"]["k1"] == pytest.approx(0.2)
    p.observe("L", "k1.1", True)    # r = 1 - 0: w = 0.2*0.2 + 0.8*1
    assert p.save_state("L")["w"]["k1"] == pytest.approx(0.84)
    p.observe("L", "k1.0", True)    # last 3 of k1 = 2/3 > 0.5 opens k2
    assert p.active(p.save_state("L")) == ["k1", "k2"]
    for _ in range(5):
        p.observe("L", "k1.0", True)  # last 6 of k1 = 1 > 0.8 closes k1
    assert p.active(p.save_state("L")) == ["k2"]


def test_zpdes_samples_proportional_to_w_plus_exploration(chain):
    p = make_planner("zpdes", chain)
    st = {"selections": 0, "answers": 0, "counts": {}, "why": {}, "w": {"k1": 0.9, "k2": 0.0},
          "history": {"k1": [1, 1, 1], "k2": [], "k3": []}, "closed": []}
    p.load_state("L", st)
    picks = [chain.item(p.select("L")).kcs[0] for _ in range(2000)]
    # p(k1) = (0.9 + 0.09) / (0.9 + 0.09 + 0.09) = 0.9167
    assert picks.count("k1") / 2000 == pytest.approx(0.99 / 1.08, abs=0.03)
    assert set(picks) == {"k1", "k2"}


def test_sec_rewards_by_hand(chain):
    assert mean_abs_advantage([1, 0, 0, 0]) == pytest.approx(0.375)
    assert mean_abs_advantage([1, 1, 1]) == 0.0
    # LP = 1; smoothed rates 3/4 and 1/4; SE = sqrt(2 * 0.1875 / 2); r = 1 - 2 SE
    assert learnability_reward([0, 0, 1, 1], half=2) == pytest.approx(1 - 2 * np.sqrt(0.1875))
    assert learnability_reward([1, 0, 1, 0], half=2) == 0.0  # guessing noise earns nothing
    p = make_planner("sec", chain)
    p.start("L")
    p.observe("L", "k1.0", [1, 0, 0, 0])  # group form: Q = 0.5 * 0.375
    arm = p.arm_of["k1.0"]
    assert p.save_state("L")["q"][arm] == pytest.approx(0.1875)
    p.observe("L", "k1.0", [1, 1, 1, 1])  # Q = 0.5 * 0 + 0.5 * 0.1875
    assert p.save_state("L")["q"][arm] == pytest.approx(0.09375)
    single = make_planner("sec", chain, reward="learnability")
    single.start("L")
    single.observe("L", "k1.0", True)
    assert single.save_state("L")["q"][arm] == 0.0


def test_sec_arms_are_kc_by_difficulty_bin(chain):
    arms = kc_difficulty_arms(chain, bins=2)
    assert arms == {"k1|0": ["k1.0"], "k1|1": ["k1.1"], "k2|0": ["k2.0"], "k2|1": ["k2.1"],
                    "k3|0": ["k3.0"], "k3|1": ["k3.1"]}


def test_dump_ucb_by_hand(chain):
    p = make_planner("dump", chain, c=0.1)
    p.start("L")
    p.observe("L", "k1.0", True)  # baseline 0.5 before any answer: |A| = 0.5
    ucb = p.ucb(p.save_state("L"))
    assert ucb[0] == pytest.approx(0.5 + 0.1 * np.sqrt(2 * np.log(2) / 2))
    assert ucb[1] == pytest.approx(0.1 * np.sqrt(2 * np.log(2) / 1))


def test_fsrs_review_introduces_new_kcs_then_reviews_due(chain):
    p = make_planner("fsrs_review", chain)
    p.start("L")
    assert p.select("L", 0.0) == "k1.0"
    p.observe("L", "k1.0", False, 0.0)  # Again: due again within minutes
    assert chain.item(p.select("L", 0.0005)).kcs == ("k2",)  # 43 s later nothing due: next new KC
    assert p.explain("L")["rule"] == "new KC in topological order"
    assert chain.item(p.select("L", 1.0)).kcs == ("k1",)    # a day later k1 is overdue
    assert p.explain("L")["rule"] == "most overdue KC"


def test_unknown_planner_and_learner(chain):
    with pytest.raises(ValueError, match="unknown planner 'nope'"):
        make_planner("nope", chain)
    with pytest.raises(UnknownLearnerError):
        make_planner("random", chain).select("ghost")


def _drive(planner, world, student, learner, steps, start):
    picks = []
    for n in range(start, start + steps):
        t = session_time(n)
        item = planner.select(learner, t)
        planner.observe(learner, item, student.answer(world.domain.item_index[item], t), t)
        picks.append(item)
    return picks


@pytest.mark.parametrize("name", planner_names())
def test_state_survives_save_restore_mid_run(name, request):
    world = make_world("F1", "S1", seed=3)
    params = {"horizon": 40} if name == "fixed_order" else {}
    if planner_class(name).needs_tracer:
        params = {"horizon": 40, "tracer": request.getfixturevalue("f1_tracer")}
    build = lambda: make_planner(name, world.domain, seed=5, **params)
    a, student = build(), world.student(0)
    a.start("L")
    first = _drive(a, world, student, "L", 20, 0)
    saved = json.loads(json.dumps(a.save_state("L"), allow_nan=False))   # what the web app stores (JSON, no NaN)
    # A twin student in the same state: replaying the same first 20 items with the same luck.
    twin, replay = world.student(0), build()
    replay.start("L")
    assert _drive(replay, world, twin, "L", 20, 0) == first
    b = build()
    b.load_state("L", saved)
    assert _drive(a, world, student, "L", 20, 20) == _drive(b, world, twin, "L", 20, 20)
    assert json.dumps(b.explain("L"), allow_nan=False)  # explain is JSON too


@pytest.mark.parametrize("name", [n for n in planner_names() if not planner_class(n).needs_tracer])
def test_same_seed_same_choices(name):
    world = make_world("F2", "S1", seed=1)
    runs = []
    for _ in range(2):
        p = make_planner(name, world.domain, seed=2, **({"horizon": 30} if name == "fixed_order" else {}))
        p.start("L")
        runs.append(_drive(p, world, world.student(4), "L", 30, 0))
    assert runs[0] == runs[1]


def test_multi_kc_item_updates_every_kc():
    d = Domain(kcs=["a", "b"], items=[Item("ab", ("a", "b"))])
    p = make_planner("mastery", d)
    p.start("L")
    p.observe("L", "ab", True)
    st = p.save_state("L")
    assert st["p"]["a"] == st["p"]["b"] == pytest.approx(7 / 15)
    with pytest.raises(KeyError, match="unknown item 'zz'"):
        p.observe("L", "zz", True)


@pytest.mark.parametrize("name", ["mastery", "zpdes"])
def test_a_kc_without_items_does_not_block_its_children(name):
    d = Domain(kcs=["a", "b", "c"], items=[Item("a1", ("a",)), Item("c1", ("c",))],
               prerequisites=[("a", "b"), ("b", "c")])
    p = make_planner(name, d)
    p.start("L")
    for _ in range(12):
        p.observe("L", "a1", True)
    assert "c1" in {p.select("L") for _ in range(20)}


def test_a_released_state_is_forgotten_by_the_planner_and_loads_back():
    p = make_planner("mastery", Domain(kcs=["a"], items=[Item("a1", ("a",))]))
    p.start("L")
    p.observe("L", "a1", True)
    saved = p.save_state("L")
    assert p.release_state("L") == saved
    with pytest.raises(UnknownLearnerError):
        p.select("L")
    p.load_state("L", saved)
    assert p.save_state("L") == saved
