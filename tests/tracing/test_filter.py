"""The ADF against Monte Carlo of the generative model on tiny cases."""
import math

import numpy as np
import torch

from psikt.tracing import filter as adf
from psikt.tracing.model import filter_params_from, item_matrices, normalised_prerequisites

K = 2
P = np.array([[0.0, 0.9], [0.0, 0.0]])  # KC 0 is a prerequisite of KC 1
TRAITS = np.array([0.8, 0.3, 0.6, 0.5, 0.4])  # alpha, mu, sigma, gamma, eta
OFFSET = np.array([0.2, -0.3])
V0, MU_VAR, THETA, KAPPA = 0.6, 0.3, 0.5, 4.0
ITEMS = [[0], [1], [0, 1]]
B = np.array([0.1, -0.2, 0.3])


def filter_params():
    q, h = item_matrices(ITEMS, K)
    f = lambda x: torch.tensor(x, dtype=torch.float64)
    return filter_params_from(f(P), f(OFFSET), f(V0), f(MU_VAR), f(THETA), f(KAPPA), f(B), q.double(), h.double())


def monte_carlo(items, dts, ys, n=400_000, seed=0):
    """P(y_n = 1 | y_<n) by importance sampling exact trajectories of the generative model."""
    rng = np.random.default_rng(seed)
    alpha, mu, sigma, gamma, eta = TRAITS
    Pn = normalised_prerequisites(torch.from_numpy(P)).numpy()
    mu = rng.normal(mu, math.sqrt(MU_VAR), size=(n, 1))
    z = rng.normal(mu + OFFSET, math.sqrt(V0), size=(n, K))
    logw = np.zeros(n)
    out = []
    for i, dt, y in zip(items, dts, ys):
        r = math.exp(-alpha * dt)
        target = mu + OFFSET + gamma * (z @ Pn)
        z = r * z + (1 - r) * target + rng.normal(0, math.sqrt(sigma**2 * (1 - r * r) / (2 * alpha)), size=z.shape)
        p = 1 / (1 + np.exp(-(z[:, ITEMS[i]].mean(1) - B[i])))
        w = np.exp(logw - logw.max())
        w /= w.sum()
        est = float(w @ p)
        se = math.sqrt(float(w**2 @ (p - est) ** 2))
        out.append((est, se))
        logw += np.log(p if y else 1 - p)
        ready = 1 / (1 + np.exp(-KAPPA * ((1 / (1 + np.exp(-z))) @ Pn + (1 - Pn.sum(0)) - THETA)))
        z[:, ITEMS[i]] += eta * ready[:, ITEMS[i]]
    return out


def test_filter_predictive_matches_monte_carlo():
    items = [0, 1, 2, 0, 1, 2]
    dts = [0.0, 0.5, 0.1, 2.0, 0.05, 1.0]
    ys = [1, 0, 1, 0, 1, 1]
    fp = filter_params()
    probs, _ = adf.run(fp, torch.tensor(TRAITS[None]), torch.tensor([items]), torch.tensor([dts], dtype=torch.float64),
                       torch.tensor([ys], dtype=torch.float64))
    mc = monte_carlo(items, dts, ys)
    # The first prediction is exact up to quadrature; later ones carry the diagonal-Gaussian
    # projection and the mean-field practice step, which are approximations of a few thousandths.
    assert abs(float(probs[0, 0]) - mc[0][0]) < 4 * mc[0][1] + 1e-3
    for n, (est, se) in enumerate(mc):
        assert abs(float(probs[0, n]) - est) < 4 * se + 0.01, (n, float(probs[0, n]), est)


def test_predictive_probability_sums_with_complement():
    fp = filter_params()
    bel = adf.init_belief(fp, torch.tensor(TRAITS[None]))
    items = torch.tensor([2])
    p1 = adf.predict_prob(fp, bel, items)
    _, logp1 = adf.observe(fp, bel, items, torch.tensor([1.0], dtype=torch.float64))
    _, logp0 = adf.observe(fp, bel, items, torch.tensor([0.0], dtype=torch.float64))
    assert torch.allclose(p1, logp1.exp())
    assert torch.allclose(logp1.exp() + logp0.exp(), torch.ones(1, dtype=torch.float64))


def test_answer_on_one_kc_moves_the_level_and_so_every_kc():
    fp = filter_params()
    bel = adf.init_belief(fp, torch.tensor(TRAITS[None]))
    items = torch.tensor([0])
    up, _ = adf.observe(fp, bel, items, torch.tensor([1.0], dtype=torch.float64))
    down, _ = adf.observe(fp, bel, items, torch.tensor([0.0], dtype=torch.float64))
    z, v = bel.z_moments()
    z_up, v_up = up.z_moments()
    z_down, _ = down.z_moments()
    assert (z_up > z).all() and (z_down < z).all()  # KC 1 moves through mu alone
    assert z_up[0, 0] - z[0, 0] > z_up[0, 1] - z[0, 1] > 0
    assert (v_up < v).all()


def test_practice_adds_its_uncertainty_to_the_practised_kcs_only():
    """Issue 24: what one practice teaches is uncertain, so a practised KC's variance grows by
    practice_var and its belief keeps following the latest answers; other KCs are untouched."""
    q, h = item_matrices(ITEMS, K)
    f = lambda x: torch.tensor(x, dtype=torch.float64)
    fp = filter_params_from(f(P), f(OFFSET), f(V0), f(MU_VAR), f(THETA), f(KAPPA), f(B), q.double(), h.double(),
                            practice_var=f(0.2))
    traits = torch.tensor(TRAITS[None])
    bel = adf.init_belief(fp, traits)
    after = adf.practice(fp, traits, bel, torch.tensor([0]))
    assert torch.allclose(after.var - bel.var, f([[0.2, 0.0]]))
    # The next answer on the practised KC then moves its belief further than without that uncertainty.
    y = f([0.0])
    without = adf.practice(filter_params(), traits, bel, torch.tensor([0]))
    moved = lambda b: float(b.mean[0, 0] - adf.observe(fp, b, torch.tensor([0]), y)[0].mean[0, 0])
    assert moved(after) > moved(without) > 0
