"""A test learner's static traits estimated online from their own answers, and used in their predictions.

The answers of a learner are scored in segments that start at ``checkpoints`` (8, 16, 32, ... answers):
the answers of a segment are predicted with the static traits (alpha, sigma, gamma, eta) estimated,
with the globals fixed, from the answers before the segment only (MAP under the population prior, as
``Tracer.estimate_traits`` does for one learner in serving), and the filter runs from the learner's
first answer with those traits. Before the first checkpoint a learner has the population's traits.
No prediction sees its own answer or a later one. Batched over learners: one Adam fit per checkpoint.
"""
from __future__ import annotations

import itertools

import torch

from . import filter as adf
from .model import STATIC_TRAITS

FIRST_CHECKPOINT = 8


def checkpoints(length: int, first: int = FIRST_CHECKPOINT) -> list[int]:
    """Where the traits are re-estimated: first, 2 * first, 4 * first, ... below ``length``."""
    out, c = [], first
    while c < length:
        out.append(c)
        c *= 2
    return out


def prefix_traits(tracer, start: torch.Tensor, items, dt, y, used, steps: int, lr: float) -> torch.Tensor:
    """Raw traits [B, 5]: ``start`` with its static traits fitted (MAP) on the answers where ``used``."""
    free = torch.tensor(STATIC_TRAITS)
    prior = torch.distributions.Normal(tracer.params["trait_loc"][free],
                                       torch.nn.functional.softplus(tracer.params["trait_scale"][free]))
    static = start[:, free].clone().requires_grad_(True)
    opt = torch.optim.Adam([static], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _, logp = adf.run(tracer.filter_params, tracer._linked(start.index_copy(1, free, static)), items, dt, y)
        (-((logp * used).sum() + prior.log_prob(static).sum())).backward()
        opt.step()
    return start.index_copy(1, free, static.detach())


def online_probs(tracer, items, dt, y, mask, observed=None, *, steps: int = 20, lr: float = 0.1) -> torch.Tensor:
    """P(correct) [B, T] with each segment's traits estimated from the answers before it."""
    B, T = items.shape
    seen = mask if observed is None else mask & observed
    raw = tracer.params["trait_loc"].expand(B, 5).clone()
    bounds = [0, *checkpoints(T), T]
    probs = torch.zeros(B, T)
    for lo, hi in itertools.pairwise(bounds):
        if lo:
            raw = prefix_traits(tracer, raw, items[:, :lo], dt[:, :lo], y[:, :lo], seen[:, :lo].float(), steps, lr)
        with torch.no_grad():
            p, _ = adf.run(tracer.filter_params, tracer._linked(raw), items[:, :hi], dt[:, :hi], y[:, :hi],
                           None if observed is None else observed[:, :hi])
        probs[:, lo:hi] = p[:, lo:hi]
    return probs
