"""Where one model wins or loses against another: every answer's context, in buckets, and AUC per bucket.

Contexts are read from the learner's own history before the answer: how far into the sequence it
is, how long the learner's whole sequence is, how often the answer's KCs were practised before (0 =
cold start), how long ago (time, or answers when the log has no clock), the run of equal outcomes on
the same KC set just before it, and whether it involves several KCs.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from .data import Sequence


def _bucket(value: float, edges: list[float], labels: list[str]) -> str:
    """labels[i] for the first edge value <= edges[i]; the last label above every edge."""
    for edge, label in zip(edges, labels):
        if value <= edge:
            return label
    return labels[-1]


def _streak_label(run: int) -> str:
    if run == 0:
        return "no earlier answer"
    word = "right" if run > 0 else "wrong"
    return f"{word} x{min(abs(run), 3)}{'+' if abs(run) >= 3 else ''}"


def contexts(seq: Sequence) -> dict[str, list[str]]:
    """Every answer's bucket under each context (keys as in ``CONTEXTS``)."""
    timed = not np.isnan(seq.times).all()
    out = {name: [] for name in CONTEXTS}
    seen: dict[str, int] = {}  # answers so far per KC
    last: dict[str, tuple[int, float]] = {}  # KC -> (position, time) of its last answer
    runs: dict[tuple[str, ...], int] = {}  # KC set -> signed run of equal outcomes (+ right, - wrong)
    length = _bucket(len(seq), [9, 49, 199], ["1-9", "10-49", "50-199", "200+"])
    for t, (kcs, y, when) in enumerate(zip(seq.kcs, seq.correct, seq.times)):
        out["position"].append(_bucket(t + 1, [1, 5, 20, 50, 200], ["1", "2-5", "6-20", "21-50", "51-200", "201+"]))
        out["learner_length"].append(length)
        out["kc_attempts"].append(_bucket(min(seen.get(k, 0) for k in kcs), [0, 2, 9, 29],
                                          ["0 (cold)", "1-2", "3-9", "10-29", "30+"]))
        previous = [last[k] for k in kcs if k in last]
        if not previous:
            out["recency"].append("first on KC")
        elif timed:
            out["recency"].append(_bucket(when - max(p[1] for p in previous), [60, 3600, 86400, 7 * 86400],
                                          ["< 1 min", "1-60 min", "1-24 h", "1-7 d", "> 7 d"]))
        else:
            out["recency"].append(_bucket(t - max(p[0] for p in previous), [1, 5, 20],
                                          ["next answer", "2-5 answers", "6-20 answers", "21+ answers"]))
        run = runs.get(kcs, 0)
        out["kc_streak"].append(_streak_label(run))
        out["kcs_per_answer"].append("1 KC" if len(kcs) == 1 else "2+ KCs")
        for k in kcs:
            seen[k] = seen.get(k, 0) + 1
            last[k] = (t, when)
        runs[kcs] = (max(run, 0) + 1) if y else (min(run, 0) - 1)
    return out


CONTEXTS = ("position", "learner_length", "kc_attempts", "recency", "kc_streak", "kcs_per_answer")


def bucket_table(seqs: list[Sequence], predictions: dict[str, np.ndarray]) -> dict[str, list[dict]]:
    """Per context and bucket: answers, accuracy and each model's AUC (None where one class only).

    ``predictions`` maps a model to its P(correct) for every answer of ``seqs``, concatenated in order.
    """
    y = np.concatenate([s.correct for s in seqs])
    per = [contexts(s) for s in seqs]
    table = {}
    for name in CONTEXTS:
        labels = np.array([b for c in per for b in c[name]])
        rows = []
        for label in dict.fromkeys(sorted(labels, key=_order(name))):
            sel = labels == label
            two_classes = 0 < y[sel].sum() < sel.sum()
            rows.append({"bucket": label, "answers": int(sel.sum()), "accuracy": float(y[sel].mean()),
                         **{m: (float(roc_auc_score(y[sel], p[sel])) if two_classes else None)
                            for m, p in predictions.items()}})
        table[name] = rows
    return table


def _order(name: str):
    """Buckets in their natural order: numeric ones by their first number, streaks from wrong to right."""
    def key(label: str):
        if name == "kc_streak":
            if label.startswith("no"):
                return 0.0
            n = float(label.split("x")[1].rstrip("+"))
            return n if label.startswith("right") else -n
        digits = "".join(ch if ch.isdigit() else " " for ch in label).split()
        scale = {"min": 60, "h": 3600, "d": 86400}
        unit = next((v for u, v in scale.items() if label.endswith(" " + u)), 1)
        first = float(digits[0]) * unit if digits else -1.0
        return first + (0.5 if label.startswith(">") else 0.0) - (0.5 if label.startswith("<") else 0.0)
    return key
