"""Parameter recovery on learners simulated from the generative model."""
import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from tracing import filter as adf
from tracing.batching import encode


def test_graph_edges_are_recovered(simulation, fitted):
    P = fitted.prerequisites().matrix
    order = [fitted.kc_index[k] for k in simulation.kcs]
    P = P[np.ix_(order, order)]
    off = ~np.eye(len(order), dtype=bool)
    assert roc_auc_score(simulation.prerequisites[off] > 0, P[off]) > 0.75


def test_learner_level_is_recovered(simulation, fitted):
    index = {s.learner: n for n, s in enumerate(simulation.log.sequences)}
    names = list(fitted.learner_traits)
    estimated = np.array([fitted.traits({"traits": fitted.learner_traits[n]})["mu"] for n in names])
    true = simulation.traits[[index[n] for n in names], 1]
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
    with torch.no_grad():
        true_probs, _ = adf.run(simulation.filter_params(items), traits, it, dt, yy)
    true_auc = roc_auc_score(y, true_probs[mask].numpy())
    assert fitted_auc > true_auc - 0.02
    assert fitted_auc > 0.6
