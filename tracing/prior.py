"""A tracer before any data: the generative model's prior for a course that has not been fitted yet.

The web application serves new courses with it until the first refit from their attempt log. Globals
start where a fit starts (trait prior means, edge bias, learning shape), item difficulties come from
the authors' hints, and declared prerequisites get the same prior boost a fit gives them.
"""

import math

import torch

from .model import DEFAULT_TRAIT_LOC, EMBED_DIM
from .tracer import Tracer


def prior_tracer(kcs: list[str], prerequisites: list[tuple[str, str]], items: dict[str, tuple[str, ...]],
                 difficulties: dict[str, float] | None = None, *, step_days: float = 1 / 24,
                 declared_boost: float = 3.0, seed: int = 0) -> Tracer:
    """``prerequisites`` are (prerequisite, kc) pairs; ``items`` maps item id -> KC ids."""
    K = len(kcs)
    index = {kc: k for k, kc in enumerate(kcs)}
    declared = torch.zeros(K, K, dtype=torch.bool)
    for pre, kc in prerequisites:
        declared[index[pre], index[kc]] = True
    generator = torch.Generator().manual_seed(seed)
    difficulties = difficulties or {}
    item_ids = list(items)
    params = {
        "U": 0.1 * torch.randn(K, EMBED_DIM, generator=generator),
        "W": 0.1 * torch.randn(EMBED_DIM, EMBED_DIM, generator=generator),
        "edge_bias": torch.tensor(-2.0),
        "kc_offset": torch.zeros(K),
        "item_b": torch.tensor([float(difficulties.get(i, 0.0)) for i in item_ids]),
        "trait_loc": torch.tensor(DEFAULT_TRAIT_LOC, dtype=torch.float32),
        "trait_scale": torch.full((5,), -1.0),
        "theta": torch.tensor(0.5),
        "kappa": torch.tensor(math.log(math.expm1(5.0))),
        "v0": torch.tensor(0.5),
    }
    config = {"step_days": step_days, "declared_boost": declared_boost, "ablate": [], "embed_dim": EMBED_DIM,
              "prior_only": True}
    return Tracer(params, kcs, item_ids, items, config, declared)
