"""Does practice on KC j predict later gains on KC k in proportion to the learned P(j -> k)?

    python -m psikt.tracing.intervention --data LOG [--fold 1] [--epochs 8] [--json OUT]

The tracer is fitted on the learners outside ``--fold`` and checked on the fold's learners, whose
answers it never saw. For every ordered KC pair (j, k), a logistic regression over the held-out
answers on k (from the second answer on k on) estimates how much earlier practice of j adds to the
log-odds of a right answer on k, beside the learner's own practice of k, their total practice and
their success rate so far (so that j's coefficient is not just "more practice, better answers"):
``beta_jk``, the coefficient of log(1 + practices of j so far). A graph that says something about
transfer has beta_jk rising with P(j -> k): the report gives the Spearman correlation over pairs and
the mean beta per band of P. On observational data this is a predictive check, not a randomised
one: a learner who practised j more may differ in ways the covariates miss.
"""
from __future__ import annotations

import argparse
import math
from collections import defaultdict
from itertools import pairwise

import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from .cli import log_or_exit, print_and_write, writable_or_exit
from .data import Sequence
from .fit import fit
from .graph import add_fit_options, learned_matrix

BANDS = (0.0, 0.1, 0.3, 0.5, 1.0)  # bands of P(j -> k) for the report
MIN_ROWS = 30  # fewer held-out answers on k than this: no beta for its pairs


def practice_rows(seqs: list[Sequence], kcs: list[str]) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per KC k, over the answers on k that follow an earlier one: covariates [n, 3] (log1p of the
    own practice of k, log1p of all practice, the smoothed success rate so far), log1p of the
    practice of every KC so far [n, K], and the answers [n]."""
    index = {kc: n for n, kc in enumerate(kcs)}
    rows = defaultdict(lambda: ([], [], []))
    for s in seqs:
        counts, right = np.zeros(len(kcs)), 0
        for total, (answer_kcs, y) in enumerate(zip(s.kcs, s.correct)):
            ks = [index[kc] for kc in answer_kcs if kc in index]
            for k in ks:
                if counts[k]:
                    base, practice, answers = rows[k]
                    base.append((math.log1p(counts[k]), math.log1p(total), (right + 1) / (total + 2)))
                    practice.append(np.log1p(counts))
                    answers.append(int(y))
            counts[ks] += 1
            right += int(y)
    return {k: (np.array(b), np.array(p), np.array(a)) for k, (b, p, a) in rows.items()}


def transfer_coefficients(seqs: list[Sequence], kcs: list[str]) -> np.ndarray:
    """beta [K, K]: beta[j, k] the log-odds per log(1 + practice of j) on later answers on k; NaN on
    the diagonal and where k has too few answers or j's practice does not vary."""
    K = len(kcs)
    beta = np.full((K, K), np.nan)
    for k, (base, practice, y) in practice_rows(seqs, kcs).items():
        if len(y) < MIN_ROWS or y.min() == y.max():
            continue
        for j in range(K):
            if j != k and practice[:, j].std() > 0:
                X = np.column_stack([base, practice[:, j]])
                beta[j, k] = LogisticRegression(max_iter=500).fit(X, y).coef_[0, -1]
    return beta


def check(P: np.ndarray, beta: np.ndarray) -> dict:
    """How beta follows P over the pairs that have a beta: Spearman, and the mean beta per band of P."""
    has = ~np.isnan(beta)
    p, b = P[has], beta[has]
    bands = []
    for low, high in pairwise(BANDS):
        inside = (p >= low) & ((p < high) | (high == BANDS[-1]))
        bands.append({"p_from": low, "p_to": high, "pairs": int(inside.sum()),
                      "mean_beta": float(b[inside].mean()) if inside.any() else None,
                      "se": float(b[inside].std(ddof=1) / math.sqrt(inside.sum())) if inside.sum() > 1 else None})
    rho = spearmanr(p, b)
    return {"pairs": int(has.sum()), "spearman": float(rho.statistic), "spearman_p": float(rho.pvalue), "bands": bands}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.intervention", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="interaction log")
    parser.add_argument("--fold", type=int, default=1, help="held-out learners: this fold")
    add_fit_options(parser, epochs=8)
    args = parser.parse_args(argv)
    writable_or_exit(parser, args.json)
    log = log_or_exit(parser, args.data)
    held_out = [s for s in log.sequences if s.fold == args.fold]
    if not held_out or len(held_out) == len(log.sequences):
        parser.error(f"fold {args.fold} must hold some learners, not all: the log's folds are {log.folds}")
    tracer = fit(log.subset(lambda s: s.fold != args.fold), epochs=args.epochs, patience=args.patience,
                 graph_lr=args.graph_lr, progress=False)
    kcs = [kc for kc in log.kcs if kc in tracer.kc_index]  # a KC only the held-out learners met has no edges
    P = learned_matrix(tracer, kcs)
    # The fit's own held-out AUC (population traits, as psikt.tracing.evaluate scores PSI-KT), so that
    # a fit option that sharpens the graph is seen not to cost prediction.
    auc = roc_auc_score(np.concatenate([s.correct for s in held_out]), np.concatenate(tracer.filter_sequences(held_out)))
    result = {"data": args.data, "fold": args.fold, "held_out_learners": len(held_out),
              "fit": {"epochs": args.epochs, "patience": args.patience, "graph_lr": args.graph_lr,
                      "epochs_run": tracer.config["epochs_run"], "held_out_auc": float(auc)},
              **check(P, transfer_coefficients(held_out, kcs))}
    print_and_write(result, args.json)


if __name__ == "__main__":
    main()
