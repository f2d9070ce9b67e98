"""The oracle: a policy that sees the simulated student's true state and parameters.

It practises the item with the largest expected immediate gain in the true post-test (one-step
greedy lookahead on the true model; ties broken at random). It bounds what a planner could reach
without knowing the student, and its post-test defines each planner's regret.
"""
from __future__ import annotations

import numpy as np

from .simulate import Student


class Oracle:
    name = "oracle"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def choose(self, student: Student, rng: np.random.Generator) -> int:
        gains = student.gains()
        best = np.flatnonzero(gains >= gains.max() - 1e-12)
        return int(best[rng.integers(len(best))])
