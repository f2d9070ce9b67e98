"""The oracle: a policy that sees the simulated student's true state and parameters.

It practises the item with the largest expected immediate gain in the true post-test (one-step
greedy lookahead on the true model; ties broken at random); its post-test defines each planner's
regret. Being greedy, it is not an upper bound on what a planner can reach: a policy that builds
prerequisites first can beat it. The bound is ``Student.posttest_bound`` (the benchmark's ``bound``).
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
