"""`sec`: Self-Evolving Curriculum, Chen et al. (2025), "Self-Evolving Curriculum for LLM Reasoning"
(arXiv:2505.14970).

Arms are categories, here KC x difficulty bin. The chosen arm's value moves by the TD(0) rule
Q <- alpha r + (1 - alpha) Q (alpha = 0.5) and arms are drawn from the Boltzmann distribution
p ∝ exp(Q / tau) (tau = 0.5, inside the paper's 0.2..1).

Reward, in two forms:
- ``group`` (as published): for several sampled answers to one item, r = mean |advantage| of the group.
- ``learnability`` (our noise correction for single binary answers, where the published reward
  chases guessing: with guess rate 0.2 an unlearnable item scores E|y - p| = 0.32 and a mastered one
  0.18). r = max(|LP| - 2 SE, 0) with LP the arm's learning progress (success over its last ``half``
  answers minus over the ``half`` before) and SE its standard error from Laplace-smoothed rates, so
  only progress that exceeds sampling noise counts.
``auto`` (default) uses the group form when observe() gets several outcomes, learnability otherwise.
"""
from __future__ import annotations

import math

import numpy as np

from .arms import kc_difficulty_arms, mean_abs_advantage
from .base import Planner, softmax


def learnability_reward(history: list[int], half: int) -> float:
    if len(history) < 2 * half:
        return 0.0
    recent, earlier = history[-half:], history[-2 * half:-half]
    rate = lambda h: (sum(h) + 1) / (len(h) + 2)
    p1, p0 = rate(recent), rate(earlier)
    se = math.sqrt(p1 * (1 - p1) / half + p0 * (1 - p0) / half)
    return max(abs(float(np.mean(recent) - np.mean(earlier))) - 2 * se, 0.0)


class SECPlanner(Planner):
    name = "sec"

    def __init__(self, domain, seed=0, *, alpha: float = 0.5, tau: float = 0.5, reward: str = "auto",
                 half: int = 8, bins: int = 3):
        super().__init__(domain, seed)
        if reward not in ("auto", "group", "learnability"):
            raise ValueError(f"unknown SEC reward {reward!r}: auto, group or learnability")
        self.alpha, self.tau, self.reward, self.half = alpha, tau, reward, half
        self.arms = kc_difficulty_arms(domain, bins)
        self.arm_of = {i: a for a, items in self.arms.items() for i in items}
        self.names = list(self.arms)

    def _initial(self):
        return {"q": {a: 0.0 for a in self.names}, "history": {a: [] for a in self.names}}

    def _choose(self, st, rng, now, belief):
        p = softmax(np.array([st["q"][a] for a in self.names]), self.tau)
        arm = self.names[int(rng.choice(len(p), p=p))]
        counts = st["counts"]
        item = min(self.arms[arm], key=lambda i: counts.get(i, 0))
        return item, {"arm": arm, "q": st["q"][arm], "p": float(p[self.names.index(arm)])}

    def _update(self, st, item, outcomes, now, belief):
        arm = self.arm_of[item]
        st["history"][arm].extend(outcomes)
        group = self.reward == "group" or (self.reward == "auto" and len(outcomes) > 1)
        r = mean_abs_advantage(outcomes) if group else learnability_reward(st["history"][arm], self.half)
        st["q"][arm] = self.alpha * r + (1 - self.alpha) * st["q"][arm]
