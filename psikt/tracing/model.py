"""The PSI-KT generative model: globals, trait links, the prerequisite graph, and sampling from it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .data import Log, Sequence
from .filter import FilterParams

TRAIT_NAMES = ("alpha", "mu", "sigma", "gamma", "eta")
MU_COLUMN = 1  # the level mu is integrated out by the filter; the other traits are sampled / fitted
STATIC_TRAITS = (0, 2, 3, 4)
EMBED_DIM = 16
PRACTICE_LOG_VAR_PRIOR = -3.0  # log variance one practice adds to a KC: prior mean and fit start (0.05)


def inv_softplus(x: float) -> float:
    return math.log(math.expm1(x))


# Population prior of the raw (pre-link) traits used to initialise fitting and by simulate().
DEFAULT_TRAIT_LOC = (inv_softplus(0.5), 0.0, inv_softplus(0.5), 0.0, inv_softplus(0.15))
DEFAULT_TRAIT_SCALE = (0.3, 0.7, 0.2, 0.5, 0.5)


def link_traits(raw: torch.Tensor) -> torch.Tensor:
    """Raw traits [..., 5] -> (alpha, mu, sigma, gamma, eta) with their constraints."""
    return torch.stack(
        [F.softplus(raw[..., 0]), raw[..., 1], F.softplus(raw[..., 2]), torch.sigmoid(raw[..., 3]),
         F.softplus(raw[..., 4])],
        -1,
    )


def prerequisite_matrix(U, W, edge_bias, declared=None, boost: float = 0.0) -> torch.Tensor:
    """P_jk = sigmoid(u_j.u_k + c) * sigmoid(u_j^T (W - W^T) u_k), zero diagonal ("j before k").

    Declared edges raise both logits by ``boost``; the antisymmetric logit is raised for j->k and
    lowered for k->j so that P_jk + P_kj <= 1 still holds.
    """
    sym = U @ U.T + edge_bias
    anti = U @ (W - W.T) @ U.T
    if declared is not None and boost:
        d = declared.to(U.dtype)
        sym = sym + boost * d
        anti = anti + boost * (d - d.T)
    P = torch.sigmoid(sym) * torch.sigmoid(anti)
    return P * (1 - torch.eye(P.shape[0], dtype=P.dtype, device=P.device))


def item_matrices(item_kcs: list[list[int]], n_kcs: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-hot Q [I, K] and emission weights h = Q / |Q_i|."""
    q = torch.zeros(len(item_kcs), n_kcs)
    for i, ks in enumerate(item_kcs):
        q[i, list(ks)] = 1.0
    return q, q / q.sum(1, keepdim=True).clamp_min(1)


# How a checkpoint's edges are read (its config's "prerequisite_weights"): "capped", the current rule,
# or "shared", the rule of checkpoints saved before it (version 1), kept so that a course's saved tracer
# serves the predictions it was fitted for until its next refit.
PREREQUISITE_WEIGHTS = ("capped", "shared")
SHARED_PARENT = 0.1  # the "shared" rule's virtual always-mastered parent


def normalised_prerequisites(P: torch.Tensor, weights: str = "capped") -> torch.Tensor:
    """Pn_jk, the weight of KC j in KC k's drift target and readiness (the filter's ``Pn``): P_jk
    itself while k's prerequisites weigh at most 1 together, scaled to sum to 1 beyond that. The rest,
    1 - sum_j Pn_jk (the filter's ``ready_bias``), goes to a virtual always-mastered parent, so a KC
    without prerequisites is fully ready.

    Why not P / (0.1 + sum_j P_jk) (``weights="shared"``, the rule before): one parent at 0.2 then
    already had 0.67 of the weight and one at 0.9 had 0.9, so the answers hardly told the two apart and
    the fit left true edges at 0.07-0.37; with the weight read directly, true edges come out higher and
    the graph is recovered better (docs/benchmarks.md, "Graph: uncertainty and intervention").
    """
    if weights == "shared":
        return P / (SHARED_PARENT + P.sum(0, keepdim=True))
    if weights != "capped":
        raise ValueError(f"prerequisite weights {weights!r}: expected one of {PREREQUISITE_WEIGHTS}")
    return P / P.sum(0, keepdim=True).clamp_min(1.0)


def filter_params_from(P, kc_offset, v0, mu_var, theta, kappa, item_b, item_q, item_h,
                       kc_gain=1.0, practice_var=0.0, weights: str = "capped") -> FilterParams:
    Pn = normalised_prerequisites(P, weights)
    return FilterParams(Pn=Pn, Pn2=Pn * Pn, kc_offset=kc_offset, v0=v0, mu_var=mu_var, theta=theta, kappa=kappa,
                        item_b=item_b, item_h=item_h, item_q=item_q, kc_gain=kc_gain,
                        practice_var=practice_var)


def filter_params_of(params: dict, P, item_q, item_h, weights: str = "capped") -> FilterParams:
    """The filter's parameters from the raw globals (a fit's ``pyro.param`` values or a Tracer's);
    ``weights``: how the edges are read (``normalised_prerequisites``)."""
    return filter_params_from(
        P, params["kc_offset"], F.softplus(params["v0"]) * torch.exp(params["kc_log_v0"]),
        F.softplus(params["trait_scale"][MU_COLUMN]) ** 2, params["theta"], F.softplus(params["kappa"]),
        params["item_b"], item_q, item_h, torch.exp(params["kc_log_gain"]), torch.exp(params["practice_log_var"]),
        weights)


@dataclass
class Simulation:
    """Synthetic learners with the ground truth that generated them."""

    log: Log
    prerequisites: np.ndarray  # [K, K] true P_jk
    traits: np.ndarray  # [N, 5] linked traits, rows in log.sequences order
    item_difficulty: dict[str, float]
    kc_offset: np.ndarray
    v0: float
    theta: float
    kappa: float
    step_days: float
    kcs: list[str] = field(default_factory=list)

    def filter_params(self, items: list[str], mu_var: float = 1e-9) -> FilterParams:
        """The true model as filter parameters, for scoring the true model's predictions. With the
        true traits mu is known (``mu_var`` ~ 0); with population traits pass the prior variance."""
        kc_index = {k: i for i, k in enumerate(self.kcs)}
        q, h = item_matrices([[kc_index[k] for k in self.log.item_kcs[i]] for i in items], len(self.kcs))
        b = torch.tensor([self.item_difficulty[i] for i in items], dtype=torch.float32)
        f = lambda x: torch.tensor(x, dtype=torch.float32)
        return filter_params_from(f(self.prerequisites), f(self.kc_offset), f(self.v0), f(mu_var), f(self.theta),
                                  f(self.kappa), b, q, h)


def simulate(n_learners: int = 200, n_kcs: int = 5, n_items: int = 50, length: int = 50, *,
             edge_prob: float = 0.3, kcs_per_item: int = 1, timestamps: bool = False,
             step_days: float = 1 / 24, trait_loc=DEFAULT_TRAIT_LOC, trait_scale=DEFAULT_TRAIT_SCALE,
             theta: float = 0.5, kappa: float = 6.0, v0: float = 0.5, n_folds: int = 5,
             random_order: bool = False, seed: int = 0) -> Simulation:
    """Sample learners from the generative model with a known graph, known traits and known items.

    The true graph orders KCs at random and links each earlier KC to a later one with probability
    ``edge_prob`` (P_jk = 0.9 on an edge, read through ``normalised_prerequisites``). Learners
    answer random items, preferring KCs early in that
    order so that prerequisites tend to be practised first; with ``random_order`` every item is equally
    likely at every step, so the order of practice says nothing about the graph's direction (only the
    answers do). With ``timestamps`` the gaps between
    answers are exponential with a mean of one hour plus occasional multi-day breaks; otherwise the
    log has no clock and one answer is ``step_days``. Exact sampling: z itself is simulated, the
    answer is Bernoulli(sigmoid(mean z_Q - b)).
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_kcs)
    P = np.zeros((n_kcs, n_kcs))
    for a in range(n_kcs):
        for c in range(a + 1, n_kcs):
            if rng.random() < edge_prob:
                P[order[a], order[c]] = 0.9
    Pn = normalised_prerequisites(torch.from_numpy(P)).numpy()
    ready_bias = 1 - Pn.sum(0)
    kc_offset = rng.normal(0, 0.5, n_kcs)
    item_kc_idx = [sorted(rng.choice(n_kcs, size=kcs_per_item, replace=False)) for _ in range(n_items)]
    b = rng.normal(0, 1, n_items)
    rank = np.empty(n_kcs)
    rank[order] = np.arange(n_kcs)
    kcs = [f"k{k}" for k in range(n_kcs)]
    items = [f"i{i}" for i in range(n_items)]
    raw = rng.normal(trait_loc, trait_scale, size=(n_learners, 5))
    traits = link_traits(torch.tensor(raw)).numpy()
    sequences = []
    for n in range(n_learners):
        alpha, mu, sigma, gamma, eta = traits[n]
        z = rng.normal(mu + kc_offset, math.sqrt(v0))
        # Items whose KCs come early in the graph order are picked more often early in the sequence.
        item_rank = np.array([rank[ks].mean() for ks in item_kc_idx])
        ys, its, ts = [], [], []
        t = 0.0
        for step in range(length):
            progress = step / max(length - 1, 1) * (n_kcs - 1)
            weight = np.ones(n_items) if random_order else np.exp(-np.abs(item_rank - progress))
            i = rng.choice(n_items, p=weight / weight.sum())
            dt = (rng.exponential(1 / 24) + (rng.random() < 0.05) * rng.exponential(3.0)) if timestamps else step_days
            if step:
                r = math.exp(-alpha * dt)
                target = mu + kc_offset + gamma * (z @ Pn)
                sd = math.sqrt(sigma**2 * (1 - r * r) / (2 * alpha))
                z = r * z + (1 - r) * target + rng.normal(0, sd, n_kcs)
                t += dt
            ks = item_kc_idx[i]
            p = 1 / (1 + math.exp(-(z[ks].mean() - b[i])))
            ys.append(int(rng.random() < p))
            its.append(i)
            ts.append(t * 86400.0)
            ready = 1 / (1 + np.exp(-kappa * ((1 / (1 + np.exp(-z))) @ Pn + ready_bias - theta)))
            z[ks] += eta * ready[ks]
        sequences.append(Sequence(
            learner=f"s{n}", fold=n % (n_folds + 1) if n_folds else 0, items=[items[i] for i in its],
            kcs=[tuple(kcs[k] for k in item_kc_idx[i]) for i in its], correct=np.array(ys, dtype=np.int64),
            times=np.array(ts) if timestamps else np.full(length, np.nan)))
    log = Log(sequences, path="<simulated>")
    return Simulation(log=log, prerequisites=P, traits=traits, item_difficulty=dict(zip(items, b.tolist())),
                      kc_offset=kc_offset, v0=v0, theta=theta, kappa=kappa, step_days=step_days, kcs=kcs)
