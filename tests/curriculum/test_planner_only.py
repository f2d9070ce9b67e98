"""`select(only=...)`: a host (a teacher's assignment) restricts every planner to some items."""

import pytest

from psikt.curriculum import make_planner, planner_names
from psikt.curriculum.planners import planner_class
from psikt.curriculum.simulate import make_world, session_time


def _planner(name, world, request):
    params = {"horizon": 40} if name == "fixed_order" else {}
    if planner_class(name).needs_tracer:
        params = {"horizon": 40, "tracer": request.getfixturevalue("f1_tracer")}
    return make_planner(name, world.domain, seed=5, **params)


@pytest.mark.parametrize("name", planner_names())
def test_every_planner_serves_only_the_allowed_items(name, request):
    world = make_world("F1", "S1", seed=3)
    planner, student = _planner(name, world, request), world.student(0)
    last_kc = world.domain.practicable[-1]  # a skill no planner starts with
    only = set(world.domain.items_of[last_kc])
    planner.start("L")
    served = []
    for n in range(15):
        t = session_time(n)
        item = planner.select("L", t, only=only)
        served.append(item)
        planner.observe("L", item, student.answer(world.domain.item_index[item], t), t)
    assert set(served) <= only
    assert len(set(served)) == len(only)  # practice rotates over the allowed items
    why = planner.explain("L")
    assert why["item"] in only
    if "not_allowed" in why:
        assert why["kc"] == last_kc and why["not_allowed"] not in only


def test_avoid_applies_within_only(chain):
    planner = make_planner("mastery", chain)
    planner.start("L")
    assert planner.select("L", only={"k3.0", "k3.1"}, avoid=("k3.0",)) == "k3.1"
    # Every allowed item avoided: the allowed item comes back rather than one outside `only`.
    assert planner.select("L", only={"k3.0"}, avoid=("k3.0",)) == "k3.0"
    assert planner.explain("L")["not_allowed"] == "k1.0"


def test_no_restriction_keeps_the_choice(chain):
    free, bound = make_planner("fixed_order", chain, horizon=6), make_planner("fixed_order", chain, horizon=6)
    free.start("L")
    bound.start("L")
    everything = {item.id for item in chain.items}
    assert [free.select("L") for _ in range(6)] == [bound.select("L", only=everything) for _ in range(6)]
    assert "not_allowed" not in bound.explain("L")
