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
