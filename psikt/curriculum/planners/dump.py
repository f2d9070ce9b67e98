"""`dump`: DUMP, Wang et al. (2025), "DUMP: Automated Distribution-Level Curriculum Learning for
RL-based LLM Post-training" (arXiv:2504.09710).

Arms are KCs (DUMP's data distributions). Each arm keeps a window of its recent |advantage| values
(300 for model-students); its score is the UCB
    UCB = mean|A| + c sqrt(2 ln(n_total + 1) / (n_arm + 1))
and arms are drawn with p = softmax(UCB / 0.1). For a group of sampled answers |A| is the group's
mean |advantage| (as published); for one binary answer the baseline is the arm's success rate so far
(0.5 before any answer), |A| = |y - baseline|. c is scaled to tutoring horizons: the published c = 1
turns sampling into round-robin over a few hundred answers, so the default is 0.1.
"""
from __future__ import annotations

import math

import numpy as np

from .arms import kc_arms, mean_abs_advantage
from .base import Planner, softmax


class DUMPPlanner(Planner):
    name = "dump"

    def __init__(self, domain, seed=0, *, c: float = 0.1, window: int = 300, temperature: float = 0.1):
        super().__init__(domain, seed)
        self.c, self.window, self.temperature = c, window, temperature
        self.arms = kc_arms(domain)
        self.names = list(self.arms)

    def _initial(self):
        return {"adv": {a: [] for a in self.names}, "n": {a: 0 for a in self.names},
                "succ": {a: [0, 0] for a in self.names}}

    def ucb(self, st) -> np.ndarray:
        total = sum(st["n"].values())
        return np.array([(np.mean(st["adv"][a]) if st["adv"][a] else 0.0)
                         + self.c * math.sqrt(2 * math.log(total + 1) / (st["n"][a] + 1)) for a in self.names])

    def _choose(self, st, rng, now, belief):
        scores = self.ucb(st)
        p = softmax(scores, self.temperature)
        k = int(rng.choice(len(p), p=p))
        arm = self.names[k]
        return self.least_practised_item(st, arm), {"kc": arm, "ucb": float(scores[k]), "p": float(p[k])}

    def _update(self, st, item, outcomes, now, belief):
        for arm in self.domain.item(item).kcs:
            if arm not in st["n"]:
                continue
            if len(outcomes) > 1:
                adv = mean_abs_advantage(outcomes)
            else:
                right, total = st["succ"][arm]
                adv = abs(outcomes[0] - (right / total if total else 0.5))
            st["adv"][arm] = (st["adv"][arm] + [adv])[-self.window:]
            st["n"][arm] += 1
            st["succ"][arm][0] += sum(outcomes)
            st["succ"][arm][1] += len(outcomes)
