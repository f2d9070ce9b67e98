"""Split-half reliability of the learners' traits on a real log (issue 21 item 2).

    python -m psikt.tracing.reliability --data ../shared/data/memphis_statcloze/interactions.csv.gz \
        [--epochs 8] [--trait-tol T] [--min-answers 40] [--json OUT]

Each learner's answers are cut into two halves in time order. The tracer is fitted on the log of first
halves and, apart, on the log of second halves (the same learners), and for each trait the Spearman
correlation between a learner's two estimates is reported (static traits: the fit's posterior means;
the level mu: the filter's posterior mean after the half, as ``recovery.estimated_traits`` reads it).
A trait that is a stable property of the learner, and that this much data identifies, correlates
across the halves; one the data do not identify (its estimates stay at the population's) or one that
changes over time does not. Learners with fewer than ``--min-answers`` answers are left out, and only
learners both fits trained on (not in their validation split) are compared.
"""
from __future__ import annotations

import argparse

from scipy.stats import spearmanr

from .cli import log_or_exit, print_and_write, writable_or_exit
from .data import Log, Sequence
from .fit import fit
from .model import TRAIT_NAMES
from .recovery import estimated_traits

MIN_LEARNERS = 3  # a correlation needs a few
CONVERGED_PATIENCE = 5  # with the convergence test: epochs after the best settled one


def converged_options(trait_tol: float | None) -> dict:
    """fit's options for the tools' ``--trait-tol``: none without it."""
    return {} if trait_tol is None else {"trait_tol": trait_tol, "patience": CONVERGED_PATIENCE}


def halves(log: Log, min_answers: int) -> tuple[Log, Log]:
    """The log of every learner's first half and the log of their second half (learners with at least
    ``min_answers`` answers), vocabularies from the whole log so that both fits know every item."""
    first, second = [], []
    for s in log.sequences:
        if len(s) < min_answers:
            continue
        h = len(s) // 2
        first.append(Sequence(s.learner, s.fold, s.items[:h], s.kcs[:h], s.correct[:h], s.times[:h]))
        second.append(Sequence(s.learner, s.fold, s.items[h:], s.kcs[h:], s.correct[h:], s.times[h:]))
    vocabulary = {"items": list(log.items), "kcs": list(log.kcs), "item_kcs": dict(log.item_kcs)}
    return Log(first, path=log.path, **vocabulary), Log(second, path=log.path, **vocabulary)


def split_half(log: Log, *, min_answers: int = 40, epochs: int = 8, seed: int = 0, progress: bool = False,
               **fit_options) -> dict:
    first, second = halves(log, min_answers)
    if len(first.sequences) < MIN_LEARNERS:
        raise ValueError(f"only {len(first.sequences)} learners with {min_answers} answers or more")
    tracers = [fit(half, epochs=epochs, seed=seed, progress=progress, **fit_options) for half in (first, second)]
    both = sorted(set(tracers[0].learner_traits) & set(tracers[1].learner_traits))
    estimates = []
    for tracer, half in zip(tracers, (first, second)):
        by_learner = {s.learner: s for s in half.sequences}
        estimates.append(estimated_traits(tracer, [by_learner[learner] for learner in both]))
    result = {"data": log.path, "learners": len(both), "min_answers": min_answers, "epochs": epochs,
              "fit_options": fit_options, "epochs_run": [t.config["epochs_run"] for t in tracers], "traits": {}}
    for k, name in enumerate(TRAIT_NAMES):
        a, b = estimates[0][:, k], estimates[1][:, k]
        spread = float(min(a.std(), b.std()))
        rho = float(spearmanr(a, b).statistic) if spread > 0 else float("nan")
        result["traits"][name] = {"spearman": rho, "sd_first": float(a.std()), "sd_second": float(b.std())}
    return result


def add_half_options(parser: argparse.ArgumentParser) -> None:
    """The options of the tools that fit the tracer on learners' halves (this one and validity)."""
    parser.add_argument("--data", required=True, help="interaction log (csv or csv.gz)")
    parser.add_argument("--epochs", type=int, default=8, help="each fit's maximum epochs (early stopping)")
    parser.add_argument("--trait-tol", type=float,
                        help="each fit's convergence test for the population traits (psikt.tracing.fit), patience 5")
    parser.add_argument("--min-answers", type=int, default=40, help="leave out learners with fewer answers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the result here")


def run_on_halves(parser: argparse.ArgumentParser, args, analysis, **options) -> None:
    """``analysis(log, ...)`` with the options of ``add_half_options`` (and ``options``), its result
    printed and written; a bad file or too few learners ends the tool with a message naming the file."""
    writable_or_exit(parser, args.json)
    log = log_or_exit(parser, args.data)
    try:
        result = analysis(log, min_answers=args.min_answers, epochs=args.epochs, seed=args.seed, progress=True,
                          **options, **converged_options(args.trait_tol))
    except ValueError as error:
        parser.exit(2, f"{parser.prog}: error: {args.data}: {error}; lower --min-answers\n")
    print_and_write(result, args.json)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.reliability", description=__doc__.split("\n")[0])
    add_half_options(parser)
    run_on_halves(parser, parser.parse_args(argv), split_half)


if __name__ == "__main__":
    main()
