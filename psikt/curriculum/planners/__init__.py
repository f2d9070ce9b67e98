"""Planner registry: every planner by name, built on a Domain with a seed and its own parameters."""
from __future__ import annotations

from importlib import import_module

from ..domain import Domain
from .base import BeliefUpdate, Planner, UnknownLearnerError

# name -> (module, class); modules load on first use so a planner's dependencies (torch for
# adaptive, fsrs for fsrs_review) cost nothing to programs that never build it.
_REGISTRY = {
    "random": ("random", "RandomPlanner"),
    "fixed_order": ("fixed_order", "FixedOrderPlanner"),
    "mastery": ("mastery", "MasteryPlanner"),
    "zpdes": ("zpdes", "ZPDESPlanner"),
    "sec": ("sec", "SECPlanner"),
    "dump": ("dump", "DUMPPlanner"),
    "fsrs_review": ("fsrs_review", "FSRSReviewPlanner"),
    "adaptive": ("adaptive", "AdaptivePlanner"),
    "rollout": ("rollout", "RolloutPlanner"),
}


DEFAULT_PLANNER = "adaptive"  # ours: it plans on the knowledge tracer's belief


def planner_names() -> list[str]:
    return list(_REGISTRY)


def planner_class(name: str) -> type[Planner]:
    try:
        module, cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown planner {name!r}: one of {planner_names()}") from None
    return getattr(import_module(f".{module}", __name__), cls)


def make_planner(name: str, domain: Domain, seed: int = 0, *, tracer=None, **params) -> Planner:
    """A planner by name. ``params`` override its defaults (see each planner's docstring).
    ``tracer``: a fitted ``psikt.tracing.Tracer``, given to the planners that plan on one
    (``Planner.needs_tracer``) and ignored by the others."""
    planner = planner_class(name)
    if planner.needs_tracer and tracer is not None:
        params = {**params, "tracer": tracer}
    return planner(domain, seed, **params)


__all__ = ["DEFAULT_PLANNER", "BeliefUpdate", "Planner", "UnknownLearnerError", "make_planner", "planner_class", "planner_names"]
