"""The Pyro model and guide alone, on a tiny batch, and fit's own param store."""
import math

import pyro
import pytest
import torch
from pyro import poutine
from pyro.infer import Trace_ELBO
from pyro.poutine.util import site_is_subsample

from psikt.tracing import fit, simulate
from psikt.tracing.batching import encode
from psikt.tracing.model import DEFAULT_TRAIT_LOC, item_matrices
from psikt.tracing.prior import initial_globals
from psikt.tracing.svi import Setup, global_params, guide, link, model
from psikt.tracing.tracer import NO_FORGETTING

N_BATCHES = 2


@pytest.fixture(autouse=True)
def own_param_store():
    """Each test's params start empty and do not outlive it."""
    with pyro.get_param_store().scope():
        yield


def tiny(ablate=()):
    """A Setup for 6 simulated learners and a batch of 3 of them."""
    log = simulate(n_learners=6, n_kcs=3, n_items=6, length=5, seed=0).log
    kc_index = {k: i for i, k in enumerate(log.kcs)}
    K = len(log.kcs)
    q, h = item_matrices([[kc_index[k] for k in log.item_kcs[it]] for it in log.items], K)
    start = initial_globals(K, torch.zeros(len(log.items)), torch.tensor(DEFAULT_TRAIT_LOC))
    setup = Setup(n_learners=len(log.sequences), start=start, item_q=q, item_h=h,
                  declared=torch.zeros(K, K, dtype=torch.bool), declared_boost=3.0, ablate=ablate)
    idx = torch.tensor([0, 2, 5])
    batch = encode([log.sequences[i] for i in idx], {it: i for i, it in enumerate(log.items)}, 1 / 24)
    return setup, (idx, *batch, N_BATCHES)


def latent(trace) -> dict[str, torch.Size]:
    return {name: site["value"].shape for name, site in trace.nodes.items()
            if site["type"] == "sample" and not site["is_observed"] and not site_is_subsample(site)}


def test_model_sites_and_shapes():
    setup, batch = tiny()
    trace = poutine.trace(model).get_trace(setup, *batch)
    trace.compute_log_prob()
    params = {name for name, site in trace.nodes.items() if site["type"] == "param"}
    assert params == set(setup.start)
    assert latent(trace) == {"traits": torch.Size([3, 4])}
    assert trace.nodes["globals_prior"]["log_prob"].shape == torch.Size([])
    answers = trace.nodes["answers"]
    assert answers["log_prob"].shape == torch.Size([3])
    assert torch.isfinite(answers["log_prob"]).all() and (answers["log_prob"] < 0).all()
    # The plate's N / batch and fit's n_batches * batch / N: a batch stands for 1 / n_batches of the data.
    assert answers["scale"] == pytest.approx(N_BATCHES)


def test_guide_samples_the_models_latents():
    setup, batch = tiny()
    model_trace = poutine.trace(model).get_trace(setup, *batch)
    guide_trace = poutine.trace(guide).get_trace(setup, *batch)
    assert latent(guide_trace) == latent(model_trace)
    params = {name: site["value"].shape for name, site in guide_trace.nodes.items() if site["type"] == "param"}
    assert params == {"trait_loc": torch.Size([5]), "trait_scale": torch.Size([5]), "q_offset": torch.Size([6, 4]),
                      "q_scale_ratio": torch.Size([6, 4])}


def test_elbo_is_finite():
    setup, batch = tiny()
    assert math.isfinite(Trace_ELBO().loss(model, guide, setup, *batch))


def test_ablations():
    setup, batch = tiny(ablate=("item_difficulty", "forgetting"))
    trace = poutine.trace(model).get_trace(setup, *batch)
    assert "item_b" not in trace.nodes  # held at its start, not learned
    traits = link(trace.nodes["traits"]["value"], global_params(setup), setup.ablate)
    assert (traits[:, 0] == NO_FORGETTING).all()


def test_fit_keeps_the_callers_params():
    log = simulate(n_learners=12, n_kcs=2, n_items=4, length=5, seed=0).log
    alone = fit(log, epochs=1, progress=False)
    mine = pyro.param("mine", torch.tensor([1.0, 2.0]))
    pyro.param("U", torch.ones(3))  # a name the fit uses too: neither the fit nor the caller sees the other's
    fitted = fit(log, epochs=1, progress=False)
    store = pyro.get_param_store()
    assert set(store.keys()) == {"mine", "U"}
    assert torch.equal(store["mine"], mine) and torch.equal(store["U"], torch.ones(3))
    assert all(torch.equal(fitted.params[k], alone.params[k]) for k in alone.params)


def test_the_convergence_test_holds_the_fit_until_the_population_traits_settle():
    """Without the test the validation score alone stops the fit (patience 1 after the best epoch);
    with an unreachable tolerance it runs to the cap and says the traits did not settle; with a loose
    one it needs two windows of epochs before any epoch counts."""
    log = simulate(n_learners=30, n_kcs=3, n_items=6, length=12, timestamps=True, seed=1).log
    options = {"epochs": 8, "patience": 1, "progress": False, "max_batch": 8}
    assert fit(log, **options).config["traits_settled"] is True
    never = fit(log, trait_tol=0.0, trait_window=2, **options).config
    assert never["epochs_run"] == 8 and never["traits_settled"] is False
    assert len(never["population_path"]) == 8 and len(never["population_path"][0]) == 10  # trait_loc, trait_scale
    loose = fit(log, trait_tol=1e9, trait_window=3, **options).config
    assert loose["traits_settled"] is True and 7 <= loose["epochs_run"] <= 8 and loose["population_moved"] < 1e9
