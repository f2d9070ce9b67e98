"""The assumed-density filter (ADF) over per-KC knowledge: one code path for training and serving.

Belief per learner: independent Gaussians N(m_k, v_k) over the K knowledge components (diagonal
ADF). Every function takes tensors with a leading batch dimension [B, ...]; training runs it over a
minibatch of learners with gradients, serving runs it with B = 1 under ``torch.no_grad``.

One answer to item i at elapsed time dt (days) is processed as
    advance (exact OU moments for dt)  ->  predict P(y=1)  ->  observe y (moment matching)  ->  practice.
Predictive probabilities and the moment-matched posterior use Gauss-Hermite quadrature of the
logistic likelihood under the Gaussian belief, so for a Gaussian belief they are exact to quadrature
precision; the only approximation is projecting back onto a diagonal Gaussian after each step.
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
    v0: torch.Tensor  # scalar initial variance
    theta: torch.Tensor  # scalar readiness threshold
    kappa: torch.Tensor  # scalar readiness slope
    item_b: torch.Tensor  # [I] difficulty
    item_h: torch.Tensor  # [I, K] emission weights 1/|Q_i| on the item's KCs
    item_q: torch.Tensor  # [I, K] multi-hot of the item's KCs

    @property
    def ready_bias(self) -> torch.Tensor:
        """eps / (eps + sum_j P_jk): weight of the virtual mastered parent, per KC."""
        return 1.0 - self.Pn.sum(0)


def init_belief(fp: FilterParams, traits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """z_0 ~ N(mu + c, v0) for every KC of every learner in the batch."""
    m = traits[:, MU, None] + fp.kc_offset
    v = fp.v0.expand_as(m).clone()
    return m, v


def advance(fp: FilterParams, traits, m, v, dt):
    """Exact OU moments over dt days with the target frozen at the current mean.

    target_k = mu + c_k + gamma * sum_j Pn_jk z_j; the variance of the target is propagated with
    the diagonal approximation (cross-covariances between KCs are not tracked).
    """
    alpha = traits[:, ALPHA, None]
    r = torch.exp(-alpha * dt[:, None])
    gamma = traits[:, GAMMA, None]
    target = traits[:, MU, None] + fp.kc_offset + gamma * (m @ fp.Pn)
    m_new = r * m + (1 - r) * target
    noise = traits[:, SIGMA, None] ** 2 * (1 - r * r) / (2 * alpha)
    v_new = r * r * v + ((1 - r) * gamma) ** 2 * (v @ fp.Pn2) + noise
    return m_new, v_new


def _quadrature(a, s2):
    """Nodes d_q (offsets from the mean) and normalised weights of N(a, s2)."""
    x = torch.as_tensor(_GH_X, dtype=a.dtype, device=a.device)
    w = torch.as_tensor(_GH_W / math.sqrt(math.pi), dtype=a.dtype, device=a.device)
    d = torch.sqrt(2 * s2)[:, None] * x
    return d, w


def emission_moments(fp: FilterParams, m, v, items):
    """Mean a and variance s2 of mean_{k in Q_i} z_k - b_i, and the item's weights h."""
    h = fp.item_h[items]
    a = (m * h).sum(-1) - fp.item_b[items]
    s2 = (v * h * h).sum(-1).clamp_min(MIN_VAR)
    return a, s2, h


def predict_prob(fp: FilterParams, m, v, items):
    """P(y = 1) under the current belief: E[sigmoid(x)], x ~ N(a, s2)."""
    a, s2, _ = emission_moments(fp, m, v, items)
    d, w = _quadrature(a, s2)
    return (torch.sigmoid(a[:, None] + d) * w).sum(-1)


def observe(fp: FilterParams, m, v, items, y):
    """Condition on the answer y; returns the new belief and log P(y | past).

    The logistic likelihood touches z only through x = h.z, so the posterior of x is moment-matched
    in one dimension and a Kalman gain g = V h / s2 carries the change to the item's KCs.
    """
    a, s2, h = emission_moments(fp, m, v, items)
    d, w = _quadrature(a, s2)
    sign = (2 * y - 1)[:, None]
    lik = torch.sigmoid(sign * (a[:, None] + d))
    wl = w * lik
    z = wl.sum(-1)
    e1 = (wl * d).sum(-1) / z
    e2 = (wl * d * d).sum(-1) / z
    post_var = (e2 - e1 * e1).clamp_min(MIN_VAR)
    g = v * h / s2[:, None]
    m_new = m + g * e1[:, None]
    v_new = (v + g * g * (post_var - s2)[:, None]).clamp_min(MIN_VAR)
    return m_new, v_new, torch.log(z.clamp_min(1e-12))


def practice(fp: FilterParams, traits, m, v, items):
    """Learning from practice: z_k += eta * readiness_k for the practised KCs.

    readiness_k = sigmoid(kappa * (sum_j Pn_jk E[sigmoid(z_j)] + ready_bias_k - theta)), where
    E[sigmoid(z_j)] uses the probit approximation; the mean moves, the variance does not.
    """
    mastered = torch.sigmoid(m / torch.sqrt(1 + math.pi * v / 8))
    ready = torch.sigmoid(fp.kappa * (mastered @ fp.Pn + fp.ready_bias - fp.theta))
    return m + traits[:, ETA, None] * ready * fp.item_q[items], v


def run(fp: FilterParams, traits, items, dt, y, observed=None):
    """Filter whole padded sequences [B, T]; returns P(y_t = 1 | y_<t) and log P(y_t | y_<t).

    ``observed[b, t] = False`` predicts step t without conditioning on its answer (multi-step
    forecasting); practice still happens, because the learner did answer.
    """
    m, v = init_belief(fp, traits)
    probs, logps = [], []
    for t in range(items.shape[1]):
        m, v = advance(fp, traits, m, v, dt[:, t])
        it, yt = items[:, t], y[:, t]
        m_o, v_o, lp = observe(fp, m, v, it, yt)
        # P(y=1) is the normaliser of the update when y = 1 and its complement otherwise.
        probs.append(torch.where(yt > 0.5, lp.exp(), 1 - lp.exp()))
        logps.append(lp)
        if observed is None:
            m, v = m_o, v_o
        else:
            keep = observed[:, t, None]
            m, v = torch.where(keep, m_o, m), torch.where(keep, v_o, v)
        m, v = practice(fp, traits, m, v, it)
    return torch.stack(probs, 1), torch.stack(logps, 1)
