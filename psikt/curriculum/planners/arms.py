"""Arms for the bandit planners (SEC, DUMP) and the reward both take from the RL-fine-tuning papers."""
from __future__ import annotations

import numpy as np

from ..domain import Domain


def kc_arms(domain: Domain) -> dict[str, list[str]]:
    return {kc: list(domain.items_of[kc]) for kc in domain.practicable}


def kc_difficulty_arms(domain: Domain, bins: int = 3) -> dict[str, list[str]]:
    """SEC's categories: KC x difficulty bin, bins cut at quantiles of all item difficulties (one bin
    when difficulties do not vary)."""
    d = np.array([i.difficulty for i in domain.items])
    edges = np.unique(np.quantile(d, np.linspace(0, 1, bins + 1)[1:-1])) if np.ptp(d) > 0 else np.array([])
    arms: dict[str, list[str]] = {}
    for kc in domain.practicable:
        for item_id in domain.items_of[kc]:
            b = int(np.searchsorted(edges, domain.item(item_id).difficulty, side="right"))
            arms.setdefault(f"{kc}|{b}", []).append(item_id)
    return arms


def mean_abs_advantage(outcomes: list[int]) -> float:
    """Mean |advantage| of a group of sampled answers, advantage = reward - group mean (GRPO), the
    learnability signal of SEC and DUMP: 0 for a group that is all right or all wrong."""
    y = np.asarray(outcomes, dtype=float)
    return float(np.abs(y - y.mean()).mean())
