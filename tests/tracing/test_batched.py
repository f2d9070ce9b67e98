"""The batched filter (all learners one time step at a time, padded) against the same filter run
answer by answer for each learner alone: same predictions, same gradients, no leakage from padding."""
import numpy as np
import torch

from psikt.tracing import filter as adf
from psikt.tracing.model import filter_params_from, item_matrices

K, N_ITEMS = 5, 12


def random_problem(seed: int, n_learners: int = 7, max_len: int = 30):
    """Random globals (float64, with gradients), traits, and sequences of different lengths, padded."""
    rng = np.random.default_rng(seed)
    item_kcs = [sorted(rng.choice(K, size=rng.integers(1, 3), replace=False).tolist()) for _ in range(N_ITEMS)]
    q, h = item_matrices(item_kcs, K)
    f = lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True)
    P = f(rng.uniform(0, 0.9, (K, K)) * (1 - np.eye(K)))
    b = f(rng.normal(0, 1, N_ITEMS))
    practice_var = f(0.05)
    fp = filter_params_from(P, torch.tensor(rng.normal(0, 0.5, K)), torch.tensor(0.5, dtype=torch.float64),
                            torch.tensor(0.4, dtype=torch.float64), torch.tensor(0.5, dtype=torch.float64),
                            torch.tensor(6.0, dtype=torch.float64), b, q.double(), h.double(),
                            torch.tensor(np.exp(rng.normal(0, 0.3, K))), practice_var)
    traits = f(np.column_stack([rng.uniform(0.2, 3, n_learners), rng.normal(0, 0.7, n_learners),
                                rng.uniform(0.2, 1, n_learners), rng.uniform(0.1, 0.9, n_learners),
                                rng.uniform(0.05, 0.4, n_learners)]))
    lengths = rng.integers(1, max_len + 1, n_learners)
    lengths[0] = max_len
    T = max_len
    items = torch.zeros(n_learners, T, dtype=torch.long)
    dt = torch.zeros(n_learners, T, dtype=torch.float64)
    y = torch.zeros(n_learners, T, dtype=torch.float64)
    mask = torch.zeros(n_learners, T, dtype=torch.bool)
    for n, length in enumerate(lengths):
        items[n, :length] = torch.as_tensor(rng.integers(0, N_ITEMS, length))
        dt[n, 1:length] = torch.as_tensor(rng.exponential(0.5, length - 1))
        y[n, :length] = torch.as_tensor((rng.random(length) < 0.6).astype(float))
        mask[n, :length] = True
    observed = torch.as_tensor(rng.random((n_learners, T)) < 0.8)
    return fp, traits, lengths, items, dt, y, mask, observed, (P, b, practice_var, traits)


def sequential(fp, traits, lengths, items, dt, y, observed=None):
    """Each learner alone (B = 1), one answer at a time with ``step``, as the online ``update`` does."""
    probs, logps = [], []
    for n, length in enumerate(lengths):
        bel = adf.init_belief(fp, traits[n:n + 1])
        for t in range(length):
            obs = None if observed is None else observed[n:n + 1, t]
            p, lp, bel = adf.step(fp, traits[n:n + 1], bel, items[n:n + 1, t], dt[n:n + 1, t], y[n:n + 1, t], obs)
            probs.append(p)
            logps.append(lp)
    return torch.cat(probs), torch.cat(logps)


def gradients(loss, leaves):
    return torch.autograd.grad(loss, leaves, retain_graph=True)


def test_batched_filter_equals_the_sequential_one_on_sequences_of_different_lengths():
    for seed in range(3):
        fp, traits, lengths, items, dt, y, mask, _, leaves = random_problem(seed)
        probs, logps = adf.run(fp, traits, items, dt, y)
        seq_probs, seq_logps = sequential(fp, traits, lengths, items, dt, y)
        np.testing.assert_allclose(probs[mask].detach(), seq_probs.detach(), rtol=0, atol=1e-9)
        np.testing.assert_allclose(logps[mask].detach(), seq_logps.detach(), rtol=0, atol=1e-9)
        # Padded steps contribute nothing once masked: the gradients are those of the real answers.
        for g_batch, g_seq in zip(gradients((logps * mask).sum(), leaves), gradients(seq_logps.sum(), leaves)):
            np.testing.assert_allclose(g_batch, g_seq, rtol=1e-9, atol=1e-9)


def test_batched_filter_equals_the_sequential_one_with_unobserved_answers():
    fp, traits, lengths, items, dt, y, mask, observed, _ = random_problem(7)
    probs, _ = adf.run(fp, traits, items, dt, y, observed)
    seq_probs, _ = sequential(fp, traits, lengths, items, dt, y, observed)
    np.testing.assert_allclose(probs[mask].detach(), seq_probs.detach(), rtol=0, atol=1e-9)
    # And blind answers did change the predictions: the flag is not ignored.
    assert not torch.allclose(probs, adf.run(fp, traits, items, dt, y)[0])


def test_filtering_only_the_running_learners_changes_nothing_on_their_answers():
    """``lengths``: learners sorted longest first, each step filters only those still answering."""
    fp, traits, lengths, items, dt, y, mask, observed, _ = random_problem(3)
    order = torch.as_tensor(np.argsort(-lengths, kind="stable"))
    rows = lambda x: x[order]
    full, _ = adf.run(fp, rows(traits), rows(items), rows(dt), rows(y), rows(observed))
    shrunk, _ = adf.run(fp, rows(traits), rows(items), rows(dt), rows(y), rows(observed), lengths=lengths[order])
    np.testing.assert_allclose(shrunk[rows(mask)].detach(), full[rows(mask)].detach(), rtol=0, atol=1e-12)
