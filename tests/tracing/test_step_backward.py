"""The training step's hand-written backward pass (psikt.tracing.step_backward) against finite
differences, for every input that can carry a gradient in a fit. (tests/tracing/test_batched.py
checks its values and gradients against the reference step run answer by answer.)"""
import numpy as np
import torch

from psikt.tracing.filter import _GH_NODES, _GH_WEIGHTS, MIN_VAR
from psikt.tracing.step_backward import FilterStep

B, K = 3, 4


def inputs(seed: int) -> list:
    """Random float64 inputs in the ranges a fit sees, away from the clamps (whose derivative is a step)."""
    rng = np.random.default_rng(seed)
    f = lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True)
    h = np.zeros((B, K))
    for b in range(B):
        kcs = rng.choice(K, size=rng.integers(1, 3), replace=False)
        h[b, kcs] = 1 / len(kcs)
    r = rng.uniform(0.3, 0.95, (B, 1))
    gamma = rng.uniform(0.1, 0.9, (B, 1))
    return [f(rng.normal(0, 1, (B, K))), f(rng.uniform(0.2, 1, (B, K))), f(rng.uniform(0.7, 1.3, (B, K))),
            f(rng.normal(0, 0.7, B)), f(rng.uniform(0.2, 0.5, B)),
            f(r), f(1 - r), f((1 - r) * gamma), f(r * r), f(((1 - r) * gamma) ** 2), f(rng.uniform(0.01, 0.1, (B, 1))),
            f(h), f(h * h), f(rng.normal(0, 1, B)), torch.tensor(rng.choice([-1.0, 1.0], B), dtype=torch.float64),
            f(rng.uniform(0.05, 0.3, (B, K)) * (h > 0)), f(0.05 * (h > 0)),
            f(rng.uniform(0, 0.3, (K, K))), f(rng.uniform(0, 0.1, (K, K))), f(rng.normal(0, 0.5, K)),
            f(rng.uniform(0, 2, (K, K))), f(rng.normal(0, 1, K)),
            _GH_NODES.double(), _GH_WEIGHTS.double(), MIN_VAR]


def test_backward_matches_finite_differences():
    for seed in range(3):
        assert torch.autograd.gradcheck(FilterStep.apply, inputs(seed), eps=1e-6, atol=1e-6, rtol=1e-4)
