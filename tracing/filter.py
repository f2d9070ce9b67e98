"""The assumed-density filter (ADF) over knowledge: one code path for training and serving.

Knowledge is written z_k = a_k * mu + e_k: the learner's long-term level mu (a trait, Gaussian under
its population prior, so it can be filtered exactly instead of sampled) times a per-KC loading a_k,
plus a per-KC part e_k. The belief is ``Belief``: mu ~ N(mu_mean, mu_var) and independent
e_k ~ N(mean_k, var_k), i.e. a diagonal-plus-rank-one Gaussian over z. The OU step is linear in
(mu, e), so it maps this family to itself exactly up to the diagonal treatment of the target's
variance; after each answer the posterior is projected back onto it (moment matching, dropping the
mu-e cross-covariance the answer creates). Estimating mu online this way is what lets the filter
carry a learner's performance on one KC over to all the others.

Every function works on a batch [B, ...]; training runs it over a minibatch of learners with
gradients, serving with B = 1 under ``torch.no_grad``. One answer to item i after dt days is
    advance (OU moments for dt) -> predict P(y=1) -> observe y (moment matching) -> practice.
P(y=1) and the moment-matched posterior use Gauss-Hermite quadrature of the logistic likelihood.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

# Trait columns after the link functions (see model.link_traits).
ALPHA, MU, SIGMA, GAMMA, ETA = range(5)
EPS_PARENT = 0.1  # virtual always-mastered parent: a KC without prerequisites is fully "ready"
MIN_VAR = 1e-6

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(20)


@dataclass
class FilterParams:
    """Global quantities the filter needs, already transformed (no constraints left to apply)."""

    Pn: torch.Tensor  # [K, K] P_jk / (eps + sum_j P_jk): column-normalised prerequisite weights
    Pn2: torch.Tensor  # [K, K] Pn ** 2, for propagating variances through the target
    kc_offset: torch.Tensor  # [K]
    v0: torch.Tensor  # scalar initial variance of e_k
    mu_var: torch.Tensor  # scalar population variance of the level mu
    theta: torch.Tensor  # scalar readiness threshold
    kappa: torch.Tensor  # scalar readiness slope
    item_b: torch.Tensor  # [I] difficulty
    item_h: torch.Tensor  # [I, K] emission weights 1/|Q_i| on the item's KCs
    item_q: torch.Tensor  # [I, K] multi-hot of the item's KCs
    kc_gain: torch.Tensor | float = 1.0  # [K] per-KC multiplier of the learner's learning rate eta
    practice_var: torch.Tensor | float = 0.0  # scalar variance of what one practice adds to a KC

    @property
    def ready_bias(self) -> torch.Tensor:
        """eps / (eps + sum_j P_jk): weight of the virtual mastered parent, per KC."""
        return 1.0 - self.Pn.sum(0)


@dataclass
class Belief:
    mean: torch.Tensor  # [B, K] mean of e
    var: torch.Tensor  # [B, K] variance of e
    loading: torch.Tensor  # [B, K] a
    mu_mean: torch.Tensor  # [B]
    mu_var: torch.Tensor  # [B]

    def z_moments(self):
        """Marginal mean and variance of z_k."""
        return (self.loading * self.mu_mean[:, None] + self.mean,
                self.loading**2 * self.mu_var[:, None] + self.var)

    def where(self, keep, other: Belief) -> Belief:
        """Per learner: this belief where ``keep`` [B], else ``other``."""
        k2 = keep[:, None]
        return Belief(torch.where(k2, self.mean, other.mean), torch.where(k2, self.var, other.var),
                      torch.where(k2, self.loading, other.loading), torch.where(keep, self.mu_mean, other.mu_mean),
                      torch.where(keep, self.mu_var, other.mu_var))


def init_belief(fp: FilterParams, traits: torch.Tensor) -> Belief:
    """z_0 = mu + e, mu ~ N(traits' mu, mu_var), e ~ N(c, v0)."""
    B, K = traits.shape[0], fp.kc_offset.shape[0]
    mean = fp.kc_offset.expand(B, K)
    return Belief(mean, fp.v0.expand(B, K), torch.ones_like(mean), traits[:, MU], fp.mu_var.expand(B))


def advance(fp: FilterParams, traits, bel: Belief, dt) -> Belief:
    """OU moments over dt days with the target mu + c_k + gamma * sum_j Pn_jk z_j frozen.

    Linear in (mu, e): the loading and the mean of e follow the same recursion; the target's
    variance is propagated without cross-covariances between KCs.
    """
    alpha = traits[:, ALPHA, None]
    gamma = traits[:, GAMMA, None]
    r = torch.exp(-alpha * dt[:, None])
    loading = r * bel.loading + (1 - r) * (1 + gamma * (bel.loading @ fp.Pn))
    mean = r * bel.mean + (1 - r) * (fp.kc_offset + gamma * (bel.mean @ fp.Pn))
    noise = traits[:, SIGMA, None] ** 2 * (1 - r * r) / (2 * alpha)
    var = r * r * bel.var + ((1 - r) * gamma) ** 2 * (bel.var @ fp.Pn2) + noise
    return Belief(mean, var, loading, bel.mu_mean, bel.mu_var)


def _quadrature(a, s2):
    """Nodes d_q (offsets from the mean) and normalised weights of N(a, s2)."""
    x = torch.as_tensor(_GH_X, dtype=a.dtype, device=a.device)
    w = torch.as_tensor(_GH_W / math.sqrt(math.pi), dtype=a.dtype, device=a.device)
    return torch.sqrt(2 * s2)[:, None] * x, w


def expected_sigmoid(a, s2):
    """E[sigmoid(x)], x ~ N(a, s2), by quadrature; a and s2 are [B]."""
    d, w = _quadrature(a, s2)
    return (torch.sigmoid(a[:, None] + d) * w).sum(-1)


def emission_moments(fp: FilterParams, bel: Belief, items):
    """x = mean_{k in Q_i} z_k - b_i: its mean and variance, the item's weights h and A = h.a."""
    h = fp.item_h[items]
    A = (bel.loading * h).sum(-1)
    mean = A * bel.mu_mean + (bel.mean * h).sum(-1) - fp.item_b[items]
    s2 = (A * A * bel.mu_var + (bel.var * h * h).sum(-1)).clamp_min(MIN_VAR)
    return mean, s2, h, A


def predict_prob(fp: FilterParams, bel: Belief, items):
    """P(y = 1) under the current belief."""
    mean, s2, _, _ = emission_moments(fp, bel, items)
    return expected_sigmoid(mean, s2)


def observe(fp: FilterParams, bel: Belief, items, y):
    """Condition on the answer y; returns the new belief and log P(y | past).

    The logistic likelihood touches the state only through x, so x's posterior is moment-matched
    in one dimension and Kalman gains (cov(., x) / var x) carry the change to mu and the item's KCs.
    """
    mean, s2, h, A = emission_moments(fp, bel, items)
    d, w = _quadrature(mean, s2)
    lik = torch.sigmoid((2 * y - 1)[:, None] * (mean[:, None] + d))
    wl = w * lik
    z = wl.sum(-1)
    shift = (wl * d).sum(-1) / z
    shrink = ((wl * d * d).sum(-1) / z - shift * shift).clamp_min(MIN_VAR) - s2
    g_e = bel.var * h / s2[:, None]
    g_mu = A * bel.mu_var / s2
    return Belief(bel.mean + g_e * shift[:, None],
                  (bel.var + g_e * g_e * shrink[:, None]).clamp_min(MIN_VAR),
                  bel.loading,
                  bel.mu_mean + g_mu * shift,
                  (bel.mu_var + g_mu * g_mu * shrink).clamp_min(MIN_VAR)), torch.log(z.clamp_min(1e-12))


def practice(fp: FilterParams, traits, bel: Belief, items) -> Belief:
    """Learning from practice: z_k += eta * readiness_k on the practised KCs (through e_k).

    readiness_k = sigmoid(kappa * (sum_j Pn_jk E[sigmoid(z_j)] + ready_bias_k - theta)), with
    E[sigmoid(z_j)] by the probit approximation. How much one practice teaches is itself uncertain:
    each practised KC's variance grows by ``practice_var``, so that during a burst of practice on a
    KC its belief keeps following the latest answers instead of freezing after a few (issue 24).
    """
    zm, zv = bel.z_moments()
    mastered = torch.sigmoid(zm / torch.sqrt(1 + math.pi * zv / 8))
    ready = torch.sigmoid(fp.kappa * (mastered @ fp.Pn + fp.ready_bias - fp.theta))
    mean = bel.mean + traits[:, ETA, None] * fp.kc_gain * ready * fp.item_q[items]
    var = bel.var + fp.practice_var * fp.item_q[items]
    return Belief(mean, var, bel.loading, bel.mu_mean, bel.mu_var)


def step(fp: FilterParams, traits, bel: Belief, items, dt, y, observed=None):
    """One answer: returns P(y=1 | past), log P(y | past) and the belief after it.

    Where ``observed`` is False the answer is not conditioned on (multi-step forecasting); practice
    still happens, because the learner did answer.
    """
    bel = advance(fp, traits, bel, dt)
    post, logp = observe(fp, bel, items, y)
    # P(y=1) is the normaliser of the update when y = 1 and its complement otherwise.
    prob = torch.where(y > 0.5, logp.exp(), 1 - logp.exp())
    if observed is not None:
        post = post.where(observed, bel)
    return prob, logp, practice(fp, traits, post, items)


def run(fp: FilterParams, traits, items, dt, y, observed=None):
    """Filter whole padded sequences [B, T]; returns P(y_t = 1 | y_<t) and log P(y_t | y_<t)."""
    bel = init_belief(fp, traits)
    probs, logps = [], []
    for t in range(items.shape[1]):
        prob, logp, bel = step(fp, traits, bel, items[:, t], dt[:, t], y[:, t],
                               None if observed is None else observed[:, t])
        probs.append(prob)
        logps.append(logp)
    return torch.stack(probs, 1), torch.stack(logps, 1)
