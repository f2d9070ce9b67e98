"""Does the learned KC structure group items by their hidden concept? (the synthetic5 check)

    python -m psikt.tracing.structure --data ../shared/data/synthetic5/interactions.csv.gz --learners v0- \
        [--epochs N] [--bootstrap FITS] [--json OUT.json]

The concepts are hidden from the model: every item becomes its own KC, PSI-KT is fitted on the
learners whose id starts with ``--learners`` (synthetic5 draws its concepts per simulated version,
so one version at a time), and the learned structure is scored against the log's ``kc_ids``: over
all item pairs, the AUROC with which (a) the graph's connection strength P_jk + P_kj and (b) the
cosine similarity of the KC embeddings tell "same concept" pairs from "different concept" pairs
(0.5: no grouping, 1: perfect). With ``--bootstrap FITS`` the report also lists every edge of at
least 0.1 with its median and 10th-90th percentile over FITS refits on learner resamplings
(``graph.edge_bootstrap``): how sure the data make each edge.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from .cli import log_or_exit, writable_or_exit
from .data import Log, Sequence
from .fit import fit
from .graph import edge_bootstrap
from .tracer import Tracer


def items_as_kcs(log: Log) -> tuple[Log, dict[str, tuple[str, ...]]]:
    """The log with every item as its own single KC, and each item's original (hidden) KCs."""
    hidden = dict(log.item_kcs)
    seqs = [Sequence(s.learner, s.fold, list(s.items), [(item,) for item in s.items], s.correct, s.times)
            for s in log.sequences]
    return Log(seqs, path=log.path), hidden


def concept_grouping(tracer: Tracer, concept: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """AUROC of the learned graph and of the embeddings for "same hidden concept" over KC pairs
    (the tracer's KCs are items, ``concept`` maps them to their hidden concepts)."""
    with torch.no_grad():
        P = tracer.prerequisite_tensor().numpy()
        U = torch.nn.functional.normalize(tracer.params["U"], dim=1).numpy()
    upper = np.triu_indices(len(tracer.kcs), k=1)
    labels = np.array([concept[tracer.kcs[j]] == concept[tracer.kcs[k]] for j, k in zip(*upper)])
    if labels.all() or not labels.any():
        raise ValueError("concept grouping needs pairs of both kinds: at least two concepts, one with two items")
    return {"graph_auroc": float(roc_auc_score(labels, (P + P.T)[upper])),
            "embedding_auroc": float(roc_auc_score(labels, (U @ U.T)[upper])),
            "pairs": len(labels), "same_concept_pairs": int(labels.sum())}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.structure", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="interaction log whose kc_ids are the hidden concepts")
    parser.add_argument("--learners", default="", help="fit only learners whose id starts with this prefix")
    parser.add_argument("--epochs", type=int, default=30, help="PSI-KT's maximum epochs (early stopping)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--bootstrap", type=int, default=0, metavar="FITS",
                        help="also refit on FITS learner resamplings and give each edge an interval")
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args(argv)
    writable_or_exit(parser, args.json)
    if args.bootstrap == 1 or args.bootstrap < 0:
        parser.error("--bootstrap needs at least 2 fits (or 0 for none)")
    log = log_or_exit(parser, args.data).subset(lambda s: s.learner.startswith(args.learners))
    if not log.sequences:
        parser.error(f"no learner id starts with {args.learners!r}")
    hidden_log, concept = items_as_kcs(log)
    started = time.perf_counter()
    tracer = fit(hidden_log, epochs=args.epochs, device=args.device)
    report = {"data": args.data, "learners": len(log.sequences), "items": len(log.items),
              "concepts": len({c for c in concept.values()}), "fit_seconds": time.perf_counter() - started,
              **concept_grouping(tracer, concept)}
    if args.bootstrap:
        boot = edge_bootstrap(hidden_log, args.bootstrap, epochs=args.epochs, device=args.device)
        report["bootstrap"] = {"fits": boot.fits, "percentiles": boot.as_config()["percentiles"],
                               "edges": boot.rows(threshold=0.1)}
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
