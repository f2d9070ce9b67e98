"""The learned prerequisite graph: how well it recovers a known graph, and how sure each edge is.

    python -m psikt.tracing.graph recovery [--learners 200] [--length 200] [--kcs 8] [--seeds 0 1 2]
        [--fits 1] [--epochs 30] [--patience 2] [--graph-lr R] [--json OUT]
    python -m psikt.tracing.graph bootstrap --data LOG [--fits 5] [--epochs 8] [--json OUT]

``recovery`` simulates learners from a known random graph (``model.simulate``) who practise items in
random order, so the order of practice tells nothing about the graph's direction, fits the tracer and
scores the learned P_jk (with ``--fits N``, the mean of N fits with different seeds) against the
truth: the directed AUROC over all ordered KC pairs (an edge learned backwards counts against it), the undirected AUROC of P_jk + P_kj over unordered pairs, and
the share of true edges learned in the right direction (P_jk > P_kj). Issue 21's target: directed
AUROC >= 0.85 with 200 answers per learner.

``bootstrap`` gives each edge of a log's graph an interval: the tracer is refitted on ``--fits``
resamplings of the learners (drawn with replacement, each fit with its own seed), and each edge gets
the median and the 10th-90th percentile of its probability over those fits. An edge whose interval
is wide is one the data do not pin down, whatever its point estimate.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from .cli import log_or_exit, print_and_write, writable_or_exit
from .data import Log
from .fit import fit
from .model import simulate

INTERVAL = (10, 90)  # percentiles of an edge's bootstrap interval (an 80% interval)


def learned_matrix(tracer, kcs: list[str]) -> np.ndarray:
    """The tracer's P_jk with rows and columns in the order of ``kcs``."""
    index = [tracer.kc_index[k] for k in kcs]
    with torch.no_grad():
        return tracer.prerequisite_tensor().numpy()[np.ix_(index, index)]


def recovery_scores(true: np.ndarray, learned: np.ndarray) -> dict[str, float]:
    """Directed and undirected AUROC of ``learned`` against the true graph's edges (true > 0), and the
    share of true edges whose learned direction is right."""
    edges = true > 0
    off = ~np.eye(len(true), dtype=bool)
    upper = np.triu_indices(len(true), k=1)
    linked = (edges | edges.T)[upper]
    return {"directed_auroc": float(roc_auc_score(edges[off], learned[off])),
            "undirected_auroc": float(roc_auc_score(linked, (learned + learned.T)[upper]))
            if linked.any() and not linked.all() else float("nan"),
            "right_direction": float((learned[edges] > learned.T[edges]).mean()),
            "true_edge_mean": float(learned[edges].mean()), "other_mean": float(learned[off & ~edges].mean()),
            "true_edges": int(edges.sum())}


def recovery(n_learners: int, length: int, n_kcs: int, seed: int, fits: int = 1, **fit_options) -> dict:
    """One simulation with practice in random order, ``fits`` fits of it (fit seeds seed, seed + 100,
    ...), the recovery scores of their mean P: one fit's graph moves with its optimisation path (the
    same seed's AUROC changed by up to 0.1 between versions of the code that compute the same values),
    and the mean over fits averages that out."""
    simulation = simulate(n_learners=n_learners, n_kcs=n_kcs, n_items=5 * n_kcs, length=length, edge_prob=0.3,
                          timestamps=True, random_order=True, seed=seed)
    tracers = [fit(simulation.log, seed=seed + 100 * r, progress=False, **fit_options) for r in range(fits)]
    learned = np.mean([learned_matrix(tracer, simulation.kcs) for tracer in tracers], axis=0)
    return {"seed": seed, "fits": fits, "epochs_run": [tracer.config["epochs_run"] for tracer in tracers],
            "fit_seconds": sum(tracer.config["fit_seconds"] for tracer in tracers),
            **recovery_scores(simulation.prerequisites, learned)}


@dataclass
class EdgeBootstrap:
    """Per ordered KC pair (j, k): the median, low and high percentile of P_jk over the refits."""

    kcs: list[str]
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    fits: int

    def as_config(self) -> dict:
        """The form a Tracer keeps in ``config["edge_intervals"]`` (rows and columns in ``kcs`` order)."""
        return {"kcs": self.kcs, "low": self.low.tolist(), "high": self.high.tolist(), "fits": self.fits,
                "percentiles": list(INTERVAL)}

    def rows(self, threshold: float = 0.0) -> list[dict]:
        """Edges whose median is at least ``threshold``, strongest first."""
        K = len(self.kcs)
        found = [(j, k) for j in range(K) for k in range(K) if j != k and self.median[j, k] >= threshold]
        return [{"prerequisite": self.kcs[j], "kc": self.kcs[k], "median": float(self.median[j, k]),
                 "low": float(self.low[j, k]), "high": float(self.high[j, k])}
                for j, k in sorted(found, key=lambda e: -self.median[e])]


def resample_learners(log: Log, rng: np.random.Generator) -> Log:
    """The log with its learners drawn with replacement (a learner drawn twice appears twice, renamed)."""
    picks = rng.integers(0, len(log.sequences), len(log.sequences))
    seqs = [replace(log.sequences[i], learner=f"{log.sequences[i].learner}#{n}") for n, i in enumerate(picks)]
    return Log(seqs, path=log.path, items=list(log.items), kcs=list(log.kcs), item_kcs=dict(log.item_kcs))


def edge_bootstrap(log: Log, fits: int = 5, seed: int = 0, **fit_options) -> EdgeBootstrap:
    """Refit on ``fits`` learner resamplings of ``log`` (fit seeds seed, seed + 1, ...)."""
    if fits < 2:
        raise ValueError("a bootstrap needs at least two fits")
    rng = np.random.default_rng(seed)
    kcs = list(log.kcs)
    mats = np.stack([learned_matrix(fit(resample_learners(log, rng), seed=seed + b, progress=False, **fit_options), kcs)
                     for b in range(fits)])
    low, median, high = np.percentile(mats, [INTERVAL[0], 50, INTERVAL[1]], axis=0)
    return EdgeBootstrap(kcs, median, low, high, fits)


def add_fit_options(parser: argparse.ArgumentParser, epochs: int) -> None:
    """The fit's schedule options of the graph tools (the graph-learning option is ``--patience 30
    --graph-lr 0.1``), and ``--json``."""
    parser.add_argument("--epochs", type=int, default=epochs, help="the fit's maximum epochs")
    parser.add_argument("--patience", type=int, default=2, help="the fit's early-stopping patience")
    parser.add_argument("--graph-lr", type=float, help="the fit's learning rate of the graph (default: its lr)")
    parser.add_argument("--json", help="write the result here")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.graph", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("recovery", help="recover a known graph from simulated learners")
    rec.add_argument("--learners", type=int, default=200)
    rec.add_argument("--length", type=int, default=200, help="answers per learner")
    rec.add_argument("--kcs", type=int, default=8)
    rec.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    rec.add_argument("--fits", type=int, default=1, help="fits per simulation, scored by their mean graph")
    boot = sub.add_parser("bootstrap", help="each edge of a log's graph with its bootstrap interval")
    boot.add_argument("--data", required=True, help="interaction log (its kc_ids are the KCs)")
    boot.add_argument("--fits", type=int, default=5)
    boot.add_argument("--threshold", type=float, default=0.1, help="list edges whose median is at least this")
    for p in (rec, boot):
        add_fit_options(p, epochs=30)
    args = parser.parse_args(argv)
    writable_or_exit(parser, args.json)
    options = {"epochs": args.epochs, "patience": args.patience, "graph_lr": args.graph_lr}
    if args.command == "recovery":
        if args.fits < 1:
            parser.error("--fits must be at least 1")
        runs = [recovery(args.learners, args.length, args.kcs, seed, args.fits, **options) for seed in args.seeds]
        result = {"learners": args.learners, "length": args.length, "kcs": args.kcs, "fits": args.fits,
                  "fit_options": options,
                  "runs": runs, **{f"mean_{key}": float(np.mean([r[key] for r in runs]))
                                   for key in ("directed_auroc", "undirected_auroc", "right_direction")}}
    else:
        if args.fits < 2:
            parser.error("--fits must be at least 2")
        log = log_or_exit(parser, args.data)
        boot_result = edge_bootstrap(log, args.fits, **options)
        result = {"data": args.data, "fits": args.fits, "percentiles": list(INTERVAL), "fit_options": options,
                  "edges": boot_result.rows(args.threshold), "strongest": boot_result.rows()[:5],
                  "median_of_all_edges": float(np.median(boot_result.median[~np.eye(len(log.kcs), dtype=bool)]))}
    print_and_write(result, args.json)


if __name__ == "__main__":
    main()
