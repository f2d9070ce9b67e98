import pytest

from psikt.curriculum import Domain, Item
from psikt.curriculum.benchmark import pilot_log
from psikt.curriculum.simulate import make_world


@pytest.fixture
def chain():
    """k1 -> k2 -> k3, two items each."""
    kcs = ["k1", "k2", "k3"]
    items = [Item(f"{k}.{j}", (k,), float(j)) for k in kcs for j in range(2)]
    return Domain(kcs=kcs, items=items, prerequisites=[("k1", "k2"), ("k2", "k3")])


@pytest.fixture(scope="session")
def f1_tracer():
    """A tracer fitted briefly on a small random-taught pilot cohort of the F1/S1 world (seed 3)."""
    from psikt.curriculum.planners.adaptive import fit_on_pilot

    world = make_world("F1", "S1", seed=3)
    return fit_on_pilot(world.domain, pilot_log(world, 8, 40, 3), epochs=2, seed=0)
