"""Parameter recovery on learners simulated from the generative model."""
import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from psikt.tracing import filter as adf
from psikt.tracing.batching import encode
from psikt.tracing.model import DEFAULT_TRAIT_SCALE


def test_graph_edges_are_recovered(simulation, fitted):
    P = fitted.prerequisites().matrix
    order = [fitted.kc_index[k] for k in simulation.kcs]
    P = P[np.ix_(order, order)]
    off = ~np.eye(len(order), dtype=bool)
    assert roc_auc_score(simulation.prerequisites[off] > 0, P[off]) > 0.7


def final_state(tracer, seq):
    state = tracer.new_learner(tracer.learner_traits.get(seq.learner))
    for item, y in zip(seq.items, seq.correct):
        state = tracer.update(state, item, int(y))
    return state


def test_learner_level_is_recovered(simulation, fitted):
    seqs = simulation.log.sequences[:100]
    estimated = [fitted.traits(final_state(fitted, s))["mu"] for s in seqs]
    true = simulation.traits[:100, 1]
    assert spearmanr(estimated, true).statistic > 0.5


def test_next_answer_auc_is_near_the_true_models(simulation, fitted):
    test = [s for s in simulation.log.sequences if s.fold == 1]
    y = np.concatenate([s.correct for s in test])
    fitted_auc = roc_auc_score(y, np.concatenate(fitted.filter_sequences(test)))
    # The true model with the same information the fitted one has about a new learner: the true
    # globals and the population-mean traits.
    items = simulation.log.items
    it, dt, yy, mask = encode(test, {i: n for n, i in enumerate(items)}, simulation.step_days)
    traits = torch.tensor(simulation.traits.mean(0), dtype=torch.float32).expand(len(test), 5)
    mu_var = DEFAULT_TRAIT_SCALE[1] ** 2
    with torch.no_grad():
        true_probs, _ = adf.run(simulation.filter_params(items, mu_var), traits, it, dt, yy)
    true_auc = roc_auc_score(y, true_probs[mask].numpy())
    assert fitted_auc > true_auc - 0.02
    assert fitted_auc > 0.6


def test_trait_recovery_reports_every_trait_from_each_start():
    from psikt.tracing.model import TRAIT_NAMES
    from psikt.tracing.recovery import STARTS, run, table

    result = run(n_learners=24, length=20, epochs=2, seed=3)
    assert set(result["starts"]) == set(STARTS)
    for r in result["starts"].values():
        assert set(TRAIT_NAMES) <= set(r["recovery"])
        assert all(-1 <= r["recovery"][t]["spearman"] <= 1 for t in TRAIT_NAMES)
        assert r["population_end"]["alpha"] > 0
    assert "| default: Spearman |" in table(result)


def test_recovery_curve_has_a_row_per_length_and_the_spread_widens_the_population():
    from psikt.tracing.recovery import curve_table, run

    narrow, wide = (run(n_learners=24, length=length, epochs=1, seed=3, starts=("default",), spread=spread)
                    for length, spread in ((12, 1.0), (16, 3.0)))
    for trait in ("alpha", "sigma", "gamma", "eta"):
        sd = [r["starts"]["default"]["recovery"][trait]["true_sd"] for r in (narrow, wide)]
        assert sd[1] > 2 * sd[0]
    rows = curve_table([narrow, wide]).splitlines()
    assert rows[2].startswith("| 12 | default |") and rows[3].startswith("| 16 | default |")
    assert "eta_x_gain" in wide["starts"]["default"]["population_end"]
    assert wide["true_scale"]["alpha"] == pytest.approx(3 * narrow["true_scale"]["alpha"])
    assert all(s > 0 for s in wide["starts"]["default"]["population_scale_end"].values())
