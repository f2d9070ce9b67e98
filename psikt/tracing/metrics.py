"""Scores of next-answer predictions: AUC (primary), accuracy, log-loss, RMSE, calibration (ECE)."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Answer-weighted mean |accuracy - confidence| over equal-width probability bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.sum() * abs(y[sel].mean() - p[sel].mean())
    return total / len(y)


def score(y, p) -> dict[str, float]:
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)
    return {
        "auc": float(roc_auc_score(y, p)),
        "acc": float(((p >= 0.5) == (y == 1)).mean()),
        "logloss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "rmse": float(np.sqrt(np.mean((y - p) ** 2))),
        "ece": float(expected_calibration_error(y, p)),
    }


def paired_bootstrap_auc_diff(y, p_a, p_b, learners, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """``n_boot`` replicates of AUC(a) - AUC(b), resampling learners (all their answers) with replacement.

    Both models are scored on the same resample each time, so the spread is that of the difference,
    not of either AUC; answers of one learner are correlated, hence learners, not answers, are drawn.
    """
    y, p_a, p_b = (np.asarray(v, dtype=float) for v in (y, p_a, p_b))
    ids, which = np.unique(np.asarray(learners), return_inverse=True)
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for r in range(n_boot):
        weight = np.bincount(rng.integers(0, len(ids), len(ids)), minlength=len(ids))[which]
        keep = weight > 0
        w, yk = weight[keep], y[keep]
        diffs[r] = roc_auc_score(yk, p_a[keep], sample_weight=w) - roc_auc_score(yk, p_b[keep], sample_weight=w)
    return diffs
