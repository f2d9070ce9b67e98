"""`zpdes`: ZPDES, Clement, Roy, Oudeyer & Lopes (2015), "Multi-armed bandits for intelligent
tutoring systems", Journal of Educational Data Mining 7(2).

Arms are KCs; only arms in the zone of proximal development (ZPD) are sampled. Formulas, with the
paper's defaults:
- reward of an arm = learning progress over its last d = 6 answers: mean of the recent d/2 minus
  mean of the earlier d/2 (0 until the arm has two answers);
- quality w <- beta w + (1 - beta) r, beta = 0.2 (new active arms start at w0 = 1: optimistic, so
  each gets tried);
- p(arm) proportional to w + sum(w) / gamma over active arms, gamma = 10. Learning progress can be
  negative while probabilities cannot, so w enters the sampler clipped at 0;
- the ZPD opens a KC once every declared parent succeeds > 0.5 over its last 3 answers (roots are
  open from the start) and closes a KC whose own success over its last 6 answers exceeds 0.8.
With the ZPD empty (all closed), practice reviews uniformly over KCs.
"""
from __future__ import annotations

import numpy as np

from .base import Planner, sample


def learning_progress(history: list[int], window: int) -> float:
    recent = history[-window:]
    if len(recent) < 2:
        return 0.0
    half = len(recent) // 2
    return float(np.mean(recent[-half:]) - np.mean(recent[:-half]))


class ZPDESPlanner(Planner):
    name = "zpdes"

    def __init__(self, domain, seed=0, *, beta: float = 0.2, gamma: float = 10.0, window: int = 6,
                 open_window: int = 3, open_above: float = 0.5, close_above: float = 0.8, w0: float = 1.0):
        super().__init__(domain, seed)
        self.beta, self.gamma, self.window, self.w0 = beta, gamma, window, w0
        self.open_window, self.open_above, self.close_above = open_window, open_above, close_above

    def _initial(self):
        return {"w": {}, "history": {k: [] for k in self.domain.kcs}, "closed": []}

    def _success(self, st, kc, window):
        h = st["history"][kc][-window:]
        return float(np.mean(h)) if len(h) == window else None

    def active(self, st) -> list[str]:
        closed = set(st["closed"])
        out = []
        for kc in self.domain.practicable:
            if kc in closed:
                continue
            # A parent without items cannot be practised, so it never blocks its children.
            rates = [self._success(st, p, self.open_window) for p in self.domain.parents[kc] if self.domain.items_of[p]]
            if all(r is not None and r > self.open_above for r in rates):
                out.append(kc)
        return out

    def _choose(self, st, rng, now, belief):
        arms = self.active(st)
        if not arms:
            kc = self.domain.practicable[int(rng.integers(len(self.domain.practicable)))]
            return self.least_practised_item(st, kc), {"kc": kc, "rule": "ZPD empty: uniform review"}
        # Choosing reads the weights and never writes them (an arm not yet updated weighs w0): the state
        # stays a function of the answers, so a rebuild from the log gives it back exactly.
        weights = {k: st["w"].get(k, self.w0) for k in arms}
        w = np.array([max(weights[k], 0.0) for k in arms])
        p = w + w.sum() / self.gamma
        kc = arms[sample(rng, p)]
        return self.least_practised_item(st, kc), {"kc": kc, "zpd": arms, "w": weights}

    def _update(self, st, item, outcomes, now, belief):
        for kc in self.domain.item(item).kcs:
            st["history"][kc].extend(outcomes)
            r = learning_progress(st["history"][kc], self.window)
            st["w"][kc] = self.beta * st["w"].get(kc, self.w0) + (1 - self.beta) * r
            success = self._success(st, kc, self.window)
            if success is not None and success > self.close_above and kc not in st["closed"]:
                st["closed"].append(kc)
