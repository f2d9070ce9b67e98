"""Planner registry: every planner by name, built on a Domain with a seed and its own parameters."""
from __future__ import annotations

from importlib import import_module

from ..domain import Domain
from .base import Planner, UnknownLearnerError

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
}


def planner_names() -> list[str]:
    return list(_REGISTRY)


def make_planner(name: str, domain: Domain, seed: int = 0, **params) -> Planner:
    """A planner by name. ``params`` override its defaults (see each planner's docstring)."""
    try:
        module, cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown planner {name!r}: one of {planner_names()}") from None
    return getattr(import_module(f".{module}", __name__), cls)(domain, seed, **params)


__all__ = ["Planner", "UnknownLearnerError", "make_planner", "planner_names"]
