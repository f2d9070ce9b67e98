import pytest

from psikt.tracing import fit, simulate
from psikt.tracing.model import inv_softplus

# Fast forgetting (3/day), strong transfer and learning, so that the graph visibly shapes answers
# within 40 answers an hour apart.
TRAIT_LOC = (inv_softplus(3.0), 0.0, inv_softplus(0.5), 1.5, inv_softplus(0.3))


@pytest.fixture(scope="session")
def simulation():
    """Simulated learners (the project's own data) shared by the tracer tests."""
    return simulate(n_learners=360, n_kcs=6, n_items=24, length=40, kcs_per_item=1, trait_loc=TRAIT_LOC, seed=1)


@pytest.fixture(scope="session")
def fitted(simulation):
    """A tracer fitted on folds other than 1 of the simulation."""
    train = simulation.log.subset(lambda s: s.fold != 1)
    return fit(train, epochs=40, max_batch=32, patience=4, progress=False, seed=0)
