"""What each trait predicts on held-out data (issue 21 item 2).

    python -m psikt.tracing.validity --data ../shared/data/memphis_statcloze/interactions.csv.gz \
        [--epochs 8] [--min-answers 40] [--gap-days 1] [--trait-tol T] [--json OUT]

The tracer is fitted on every learner's first half (``reliability.halves``); each learner's traits are
read from that fit (``recovery.estimated_traits``) and compared with what the same learner does in
their second half, which no fit has seen. Two kinds of evidence:

- behaviour: the Spearman correlation (p-value, and a bootstrap 95% interval over learners) between a
  trait and a plain statistic of the second half that the trait should drive: the level mu and the
  accuracy; the forgetting rate alpha and the forgetting drop (accuracy on answers whose KC was last
  practised less than ``gap_days`` before, minus accuracy on those after a longer gap); the learning
  rate eta and the practice gain (the least-squares slope of the answer on log(1 + earlier answers on
  the item's KCs)). The volatility sigma and the transfer gamma have no such plain statistic.
- likelihood: for each static trait, the change in the second half's log-likelihood per answer when
  the learner's own estimate replaces the population's for that trait alone (the filter runs over the
  whole sequence, the first half included), averaged over learners with a bootstrap 95% interval; a
  trait that tells learners apart usefully makes it positive.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from scipy.stats import bootstrap, spearmanr

from . import filter as adf
from .batching import encode
from .data import SECONDS_PER_DAY, Log, Sequence
from .fit import fit
from .model import STATIC_TRAITS, TRAIT_NAMES
from .recovery import estimated_traits
from .reliability import MIN_LEARNERS, add_half_options, halves, run_on_halves

# The statistic of the second half each trait should drive, and the sign expected.
BEHAVIOUR = {"mu": ("accuracy", +1), "alpha": ("forgetting_drop", +1), "eta": ("practice_gain", +1)}
MIN_GROUP = 3  # answers needed on each side of the gap for a learner's forgetting drop
RESAMPLES = 1000


def kc_history(seq: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Per answer: days since the learner last answered any of the item's KCs (nan the first time or
    without a clock), and how many earlier answers the learner gave on the item's KCs (the most over
    its KCs)."""
    last, count = {}, {}
    lags, practice = np.full(len(seq), np.nan), np.zeros(len(seq))
    for t, (kcs, time) in enumerate(zip(seq.kcs, seq.times)):
        seen = [last[k] for k in kcs if k in last]
        if seen:
            lags[t] = (time - max(seen)) / SECONDS_PER_DAY
        practice[t] = max((count.get(k, 0) for k in kcs), default=0)
        for k in kcs:
            last[k] = time
            count[k] = count.get(k, 0) + 1
    return lags, practice


def second_half_behaviour(seq: Sequence, start: int, gap_days: float) -> dict[str, float]:
    """The plain statistics of ``seq``'s answers from ``start`` on (nan where a learner has too few)."""
    lags, practice = kc_history(seq)
    y = seq.correct[start:].astype(float)
    lags, practice = lags[start:], practice[start:]
    long, short = lags >= gap_days, lags < gap_days  # nan (never practised) is neither
    drop = (y[short].mean() - y[long].mean() if min(short.sum(), long.sum()) >= MIN_GROUP else np.nan)
    x = np.log1p(practice)
    gain = float(np.polyfit(x, y, 1)[0]) if len(y) > 2 and x.std() > 0 else np.nan
    return {"accuracy": float(y.mean()), "forgetting_drop": float(drop), "practice_gain": gain}


def correlation(trait: np.ndarray, outcome: np.ndarray, seed: int) -> dict:
    """Spearman with its p-value and a percentile bootstrap 95% interval over learners (nan pairs left out)."""
    keep = ~np.isnan(outcome)
    a, b = trait[keep], outcome[keep]
    if keep.sum() < MIN_LEARNERS or a.std() == 0 or b.std() == 0:
        return {"learners": int(keep.sum()), "spearman": float("nan"), "p": float("nan"), "ci95": [float("nan")] * 2}
    test = spearmanr(a, b)
    ci = bootstrap((a, b), lambda u, v: spearmanr(u, v).statistic, paired=True, vectorized=False,
                   n_resamples=RESAMPLES, method="percentile", random_state=seed).confidence_interval
    return {"learners": int(keep.sum()), "spearman": float(test.statistic), "p": float(test.pvalue),
            "ci95": [float(ci.low), float(ci.high)]}


def behaviour_evidence(traits: np.ndarray, behaviour: list[dict], seed: int = 0) -> dict:
    """Per trait of ``BEHAVIOUR``: the correlation of the learners' traits [N, 5] with their statistic."""
    out = {}
    for trait, (statistic, sign) in BEHAVIOUR.items():
        values = np.array([b[statistic] for b in behaviour])
        out[trait] = {"statistic": statistic, "expected_sign": sign,
                      **correlation(traits[:, TRAIT_NAMES.index(trait)], values, seed)}
    return out


def likelihood_evidence(tracer, wholes: list[Sequence], starts: list[int], seed: int = 0) -> dict:
    """Per static trait (and all four together): the second half's log-likelihood per answer with the
    learner's own estimate minus with the population's, mean over learners and a bootstrap 95% interval."""
    raw = torch.tensor([tracer.learner_traits[s.learner] for s in wholes], dtype=torch.float32)
    population = tracer.params["trait_loc"].expand_as(raw)
    items, dt, y, mask = encode(wholes, tracer.item_index, tracer.config["step_days"])
    held_out = mask & (torch.arange(items.shape[1])[None] >= torch.tensor(starts)[:, None])

    def per_learner(columns) -> np.ndarray:
        free = torch.tensor(columns, dtype=torch.long)
        with torch.no_grad():
            _, logp = adf.run(tracer.filter_params, tracer._linked(population.index_copy(1, free, raw[:, free])),
                              items, dt, y)
        return ((logp * held_out).sum(1) / held_out.sum(1)).numpy()

    base = per_learner([])
    out = {}
    for name, columns in [*((TRAIT_NAMES[k], [k]) for k in STATIC_TRAITS), ("all static", list(STATIC_TRAITS))]:
        gain = per_learner(columns) - base
        ci = bootstrap((gain,), np.mean, n_resamples=RESAMPLES, method="percentile",
                       random_state=seed).confidence_interval
        out[name] = {"loglik_gain_per_answer": float(gain.mean()), "ci95": [float(ci.low), float(ci.high)]}
    return out


def held_out_validity(log: Log, *, min_answers: int = 40, epochs: int = 8, gap_days: float = 1.0, seed: int = 0,
                      progress: bool = False, **fit_options) -> dict:
    first, _ = halves(log, min_answers)
    if len(first.sequences) < MIN_LEARNERS:
        raise ValueError(f"only {len(first.sequences)} learners with {min_answers} answers or more")
    tracer = fit(first, epochs=epochs, seed=seed, progress=progress, **fit_options)
    by_learner = {s.learner: s for s in log.sequences}
    firsts = [s for s in first.sequences if s.learner in tracer.learner_traits]
    wholes = [by_learner[s.learner] for s in firsts]
    traits = estimated_traits(tracer, firsts)
    behaviour = [second_half_behaviour(w, len(f), gap_days) for w, f in zip(wholes, firsts)]
    return {"data": log.path, "learners": len(firsts), "min_answers": min_answers, "epochs": epochs,
            "epochs_run": tracer.config["epochs_run"], "gap_days": gap_days, "fit_options": fit_options,
            "trait_sd": {name: float(traits[:, k].std()) for k, name in enumerate(TRAIT_NAMES)},
            "behaviour": behaviour_evidence(traits, behaviour, seed),
            "likelihood": likelihood_evidence(tracer, wholes, [len(f) for f in firsts], seed)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.validity", description=__doc__.split("\n")[0])
    add_half_options(parser)
    parser.add_argument("--gap-days", type=float, default=1.0, help="a gap at least this long counts as long")
    args = parser.parse_args(argv)
    if args.gap_days <= 0:
        parser.error("--gap-days must be positive")
    run_on_halves(parser, args, held_out_validity, gap_days=args.gap_days)


if __name__ == "__main__":
    main()
