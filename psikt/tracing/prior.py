"""The starting point of the globals: where a fit starts, and what serves a course before any data.

The web application serves a new course with `prior_tracer` until the first refit from its attempt
log. Item difficulties come from the authors' hints there; declared prerequisites get the same prior
boost a fit gives them.
"""

import math

import torch

from .model import DEFAULT_TRAIT_LOC, EMBED_DIM, PRACTICE_LOG_VAR_PRIOR
from .tracer import Tracer


def initial_globals(n_kcs: int, item_b: torch.Tensor, trait_loc: torch.Tensor, *, seed: int = 0,
                    device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Global parameters before learning: small random KC embeddings, a sparse graph (edge bias -2),
    the trait prior means, and the given item difficulties."""
    generator = torch.Generator().manual_seed(seed)
    values = {
        "U": 0.1 * torch.randn(n_kcs, EMBED_DIM, generator=generator),
        "W": 0.1 * torch.randn(EMBED_DIM, EMBED_DIM, generator=generator),
        "edge_bias": torch.tensor(-2.0),
        "kc_offset": torch.zeros(n_kcs),
        "kc_log_gain": torch.zeros(n_kcs),
        "kc_log_v0": torch.zeros(n_kcs),
        "practice_log_var": torch.tensor(PRACTICE_LOG_VAR_PRIOR),
        "item_b": item_b.detach().clone(),
        "trait_loc": trait_loc.detach().clone(),
        "trait_scale": torch.full((5,), -1.0),
        "theta": torch.tensor(0.5),
        "kappa": torch.tensor(math.log(math.expm1(5.0))),
        "v0": torch.tensor(0.5),
    }
    return {name: value.to(device) for name, value in values.items()}


def prior_tracer(kcs: list[str], prerequisites: list[tuple[str, str]], items: dict[str, tuple[str, ...]],
                 difficulties: dict[str, float] | None = None, *, step_days: float = 1 / 24,
                 declared_boost: float = 3.0, seed: int = 0) -> Tracer:
    """A tracer before any data. ``prerequisites`` are (prerequisite, kc) pairs; ``items`` maps item
    id -> KC ids; ``difficulties`` (default 0) are the authors' hints."""
    index = {kc: k for k, kc in enumerate(kcs)}
    declared = torch.zeros(len(kcs), len(kcs), dtype=torch.bool)
    for pre, kc in prerequisites:
        declared[index[pre], index[kc]] = True
    difficulties = difficulties or {}
    item_ids = list(items)
    params = initial_globals(
        len(kcs), torch.tensor([float(difficulties.get(i, 0.0)) for i in item_ids]),
        torch.tensor(DEFAULT_TRAIT_LOC, dtype=torch.float32), seed=seed,
    )
    config = {"step_days": step_days, "declared_boost": declared_boost, "ablate": [], "embed_dim": EMBED_DIM,
              "prior_only": True}
    return Tracer(params, kcs, item_ids, items, config, declared)
