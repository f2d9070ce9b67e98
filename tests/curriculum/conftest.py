import pytest

from curriculum import Domain, Item


@pytest.fixture
def chain():
    """k1 -> k2 -> k3, two items each."""
    kcs = ["k1", "k2", "k3"]
    items = [Item(f"{k}.{j}", (k,), float(j)) for k in kcs for j in range(2)]
    return Domain(kcs=kcs, items=items, prerequisites=[("k1", "k2"), ("k2", "k3")])
