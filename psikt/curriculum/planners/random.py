"""`random`: uniform over items, the floor every other planner must clear."""
from __future__ import annotations

from .base import Planner


class RandomPlanner(Planner):
    name = "random"

    def _choose(self, st, rng, now, belief):
        return self.domain.items[int(rng.integers(len(self.domain.items)))].id, {"rule": "uniform over items"}
