"""`fixed_order`: KCs in topological order of the declared prerequisites, an equal share of the
horizon per KC, then round again. The textbook sequence with no feedback at all."""
from __future__ import annotations

from .base import Planner


class FixedOrderPlanner(Planner):
    name = "fixed_order"

    def __init__(self, domain, seed=0, horizon: int = 150):
        super().__init__(domain, seed)
        self.share = max(1, horizon // len(domain.practicable))

    def _choose(self, st, rng, now, belief):
        slot = st["selections"] // self.share
        kc = self.domain.practicable[slot % len(self.domain.practicable)]
        return self.least_practised_item(st, kc), {"kc": kc, "rule": f"topological order, {self.share} items per KC"}
