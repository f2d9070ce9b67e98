"""PSI-KT's Pyro model and guide, with knowledge integrated out by the ADF.

ELBO: sum over learners of log p(y_1..N | traits, globals) (the filter's one-step predictive
log-probabilities, as ``pyro.factor``; knowledge and the level mu are integrated out by the filter)
+ log p(traits) - log q(traits) for the static traits (alpha, sigma, gamma, eta), with per-learner
Gaussian variational traits and the globals as MAP point estimates (``pyro.param`` plus log-priors).
Learners are minibatched by ``pyro.plate(subsample=...)``; batches group learners of similar
length, and because batches are drawn uniformly, the likelihood is scaled by the number of batches
(an unbiased estimate of the full-data term).

``model`` and ``guide`` take the same arguments, as ``pyro.infer.SVI`` passes them: the fixed
``Setup`` of a fit, then one batch (``idx`` into the learners, and ``items, dt, y, mask`` from
``batching.encode``) and the number of batches in an epoch.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyro
import pyro.distributions as dist
import torch
import torch.nn.functional as F
from pyro import poutine

from . import filter as adf
from .model import PRACTICE_LOG_VAR_PRIOR, STATIC_TRAITS, filter_params_of, link_traits, prerequisite_matrix
from .tracer import NO_FORGETTING

# Prior scales / weights of the MAP globals.
ITEM_B_SCALE = 1.0
EMBED_SCALE = 1.0
SPARSITY = 0.05
KC_LOG_SCALE = 0.5


@dataclass(frozen=True)
class Setup:
    """What stays fixed during one fit.

    ``start``: the globals' initial values (``prior.initial_globals``), also the learners' initial
    traits (``start["trait_loc"]``); ``item_q``, ``item_h``: the item-KC matrices
    (``model.item_matrices``); ``declared``: [K, K] author-declared prerequisite edges, raised by
    ``declared_boost``; ``ablate``: "forgetting" fixes the forgetting rate at ~0, "item_difficulty"
    keeps every item's difficulty at its start; ``compiled``: the filter's steps compiled
    (``filter.run``).
    """

    n_learners: int
    start: dict[str, torch.Tensor]
    item_q: torch.Tensor
    item_h: torch.Tensor
    declared: torch.Tensor
    declared_boost: float
    ablate: tuple[str, ...] = ()
    compiled: bool = False


def global_params(setup: Setup) -> dict[str, torch.Tensor]:
    """The globals as ``pyro.param`` sites started at ``setup.start``; an ablated one stays a constant."""
    frozen = {"item_b"} if "item_difficulty" in setup.ablate else set()
    return {name: (pyro.param(name, lambda value=value: value.clone()) if name not in frozen else value)
            for name, value in setup.start.items()}


def link(raw_static: torch.Tensor, g: dict[str, torch.Tensor], ablate: tuple[str, ...] = ()) -> torch.Tensor:
    """Full linked traits [B, 5]: sampled static traits, and the population mean of mu, which
    the filter then integrates out with its prior variance."""
    raw = g["trait_loc"].expand(raw_static.shape[0], 5).index_copy(1, _static(raw_static), raw_static)
    traits = link_traits(raw)
    if "forgetting" in ablate:
        traits = torch.cat([torch.full_like(traits[:, :1], NO_FORGETTING), traits[:, 1:]], 1)
    return traits


def model(setup: Setup, idx, items, dt, y, mask, n_batches: int) -> None:
    """Sites: the globals (params), the factor "globals_prior", the plate "learners" (subsampled by
    ``idx``), the sample "traits" [B, 4] (the static traits, raw) and the factor "answers" [B]."""
    g = global_params(setup)
    P = prerequisite_matrix(g["U"], g["W"], g["edge_bias"], setup.declared, setup.declared_boost)
    fp = filter_params_of(g, P, setup.item_q, setup.item_h)
    log_prior = (dist.Normal(0, ITEM_B_SCALE).log_prob(g["item_b"]).sum()
                 + dist.Normal(0, EMBED_SCALE).log_prob(g["U"]).sum()
                 + dist.Normal(0, EMBED_SCALE).log_prob(g["W"]).sum()
                 + dist.Normal(0, 1.0).log_prob(g["kc_offset"]).sum()
                 + dist.Normal(0, KC_LOG_SCALE).log_prob(g["kc_log_gain"]).sum()
                 + dist.Normal(0, KC_LOG_SCALE).log_prob(g["kc_log_v0"]).sum()
                 + dist.Normal(PRACTICE_LOG_VAR_PRIOR, 1.0).log_prob(g["practice_log_var"])
                 - SPARSITY * P.sum())
    pyro.factor("globals_prior", log_prior)
    static = _static(g["trait_loc"])
    N = setup.n_learners
    with poutine.scale(scale=n_batches * len(idx) / N), pyro.plate("learners", N, subsample=idx):
        raw = pyro.sample("traits", dist.Normal(g["trait_loc"][static],
                                                F.softplus(g["trait_scale"][static])).to_event(1))
        _, logp = adf.run(fp, link(raw, g, setup.ablate), items, dt, y, compiled=setup.compiled)
        pyro.factor("answers", (logp * mask).sum(-1))


def guide(setup: Setup, idx, items, dt, y, mask, n_batches: int) -> None:
    """q(traits): independent Gaussians per learner, centred on the population: mean
    ``trait_loc + q_offset``, sd ``softplus(trait_scale) * q_scale_ratio`` ("q_offset",
    "q_scale_ratio" [N, 4]; they start at 0 and 1, so every learner starts at the population prior).
    Centred this way, every learner's answers move the population traits at every step; with free
    per-learner means the population moved only through the prior term, once per learner per epoch,
    and stayed at its start. The sd is a ratio to the population's for the same reason: with a free
    sd started below the prior's, the population's spread shrank toward it faster than the learners'
    sds grew (issue 21, docs/benchmarks.md "Traits: recovery and inference")."""
    start = setup.start
    static = _static(start["trait_loc"])
    N, S = setup.n_learners, len(STATIC_TRAITS)
    trait_loc = pyro.param("trait_loc", lambda: start["trait_loc"].clone())
    trait_scale = pyro.param("trait_scale", lambda: start["trait_scale"].clone())
    offset = pyro.param("q_offset", lambda: torch.zeros(N, S, device=trait_loc.device))
    ratio = pyro.param("q_scale_ratio", lambda: torch.ones(N, S, device=trait_loc.device),
                       constraint=dist.constraints.positive)
    with poutine.scale(scale=n_batches * len(idx) / N), pyro.plate("learners", N, subsample=idx):
        pyro.sample("traits", dist.Normal(trait_loc[static] + offset[idx],
                                          F.softplus(trait_scale[static]) * ratio[idx]).to_event(1))


def _static(like: torch.Tensor) -> torch.Tensor:
    """The static traits' columns, on ``like``'s device."""
    return torch.tensor(STATIC_TRAITS, device=like.device)
