"""Next-answer evaluation of PSI-KT and the baselines on the same learner folds.

    python -m psikt.tracing.evaluate --data PATH --models psikt,irt_pfa,dkt,bkt,pfa,item_mean --folds 5 \
        --json OUT.json [--multistep 10] [--ablate forgetting|item_difficulty] [--fold F ...] \
        [--kc-level] [--bootstrap 1000] [--buckets] [--compile] [--protocol continual [--early 0.5]]

For each of the first N folds (distinct non-zero ``fold`` values, in order; or each ``--fold F``,
so that folds can run in separate processes and be averaged afterwards), every model is fitted
on the other learners (fold 0 included) and predicts every answer of the fold's learners before
seeing it. PSI-KT predicts with the same filter as serving, starting each test learner from the
population (with ``--online-traits``, each learner's static traits are re-estimated from their
own earlier answers as they go: psikt.tracing.online). With ``--multistep H`` each test learner's first half is revealed and the next H
answers are predicted without being revealed.

``--kc-level`` evaluates the skill-level view of the log (every item replaced by its KC set). The
first model is the reference: for every other one the AUC difference (reference - model) gets a
95% paired per-learner bootstrap interval (``--bootstrap`` resamples; over several folds, of the
mean of the folds' differences). ``--buckets`` adds AUC per context bucket (psikt.tracing.buckets).

``--protocol continual`` is PSI-KT's continual-learning protocol: every model is fitted once, on the
earliest answers of every learner (the first ``--early`` fraction of each learner's answers in time
order, all folds), and never refitted; it then keeps going through each learner's answers in order,
predicting each one before it is revealed, and only the later answers (after each learner's cut) of
the folds' learners are scored, fold by fold. PSI-KT starts a learner from the traits the fit
estimated for them (population ones for the fit's own validation learners) and goes through the
serving path (``Tracer.predict`` then ``Tracer.update``; ``--population-traits``: the population's
traits for everyone, the control for what a learner's fitted traits add); the baselines predict from their states
(IRT+PFA's counts, the deep models' windows of history) as in the one-step protocol.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from tqdm import tqdm

from .baselines import BASELINES
from .buckets import bucket_table
from .cli import log_or_exit, writable_or_exit
from .data import Log, Sequence, kc_level
from .fit import fit
from .metrics import paired_bootstrap_auc_diff, score

METRICS = ("auc", "acc", "logloss", "rmse", "ece")


class PsiKT:
    """Adapter giving the Tracer the baselines' fit/predict interface."""

    def __init__(self, device: str, ablate: tuple[str, ...], epochs: int, online_traits: bool = False,
                 compiled: bool = False, own_traits: bool = False):
        self.device, self.ablate, self.epochs, self.online_traits = device, ablate, epochs, online_traits
        self.compiled, self.own_traits = compiled, own_traits

    def fit(self, log: Log) -> PsiKT:
        self.tracer = fit(log, device=self.device, ablate=self.ablate, epochs=self.epochs, compiled=self.compiled)
        return self

    def predict(self, seqs, observed=None):
        if self.own_traits:
            return [self._served(s) for s in seqs]
        return self.tracer.filter_sequences(seqs, observed, online_traits=self.online_traits)

    def _served(self, s: Sequence) -> np.ndarray:
        """The serving path for a learner the fit has seen: their own fitted traits (the population's
        when the fit held them out for validation), each answer predicted, then revealed."""
        state = self.tracer.new_learner(self.tracer.learner_traits.get(s.learner))
        probs = np.empty(len(s))
        for n, (item, kcs, correct, t) in enumerate(zip(s.items, s.kcs, s.correct, s.times)):
            t = None if np.isnan(t) else float(t)
            probs[n] = self.tracer.predict(state, item, t, kcs=kcs)
            state = self.tracer.update(state, item, int(correct), t, kcs=kcs)
        return probs


def multistep_view(seqs, horizon: int):
    """Sequences cut after (first half + horizon) answers, and masks revealing only the first half."""
    cut, observed, scored = [], [], []
    for s in seqs:
        if len(s) < 2:
            continue
        half = len(s) // 2
        end = min(half + horizon, len(s))
        cut.append(type(s)(s.learner, s.fold, s.items[:end], s.kcs[:end], s.correct[:end], s.times[:end]))
        observed.append(np.arange(end) < half)
        scored.append(~observed[-1])
    return cut, observed, scored


def split_in_time(log: Log, early: float) -> tuple[Log, dict[str, int]]:
    """The log of every learner's earliest answers (the first ``early`` fraction in time order; at
    least one answer, and one left over) and, per learner, the position where their later answers
    start. Learners with a single answer have no later answer and are left out. The vocabularies come
    from the early answers alone: an item first met later is an unseen item to every model."""
    first, cut = [], {}
    for s in log.sequences:
        if len(s) < 2:
            continue
        c = min(max(int(len(s) * early), 1), len(s) - 1)
        cut[s.learner] = c
        first.append(Sequence(s.learner, s.fold, s.items[:c], s.kcs[:c], s.correct[:c], s.times[:c]))
    return Log(first, path=log.path), cut


def make_model(name: str, args):
    if name == "psikt":
        return PsiKT(args.device, tuple(args.ablate), args.epochs, args.online_traits, args.compile,
                     own_traits=args.protocol == "continual" and not args.population_traits)
    return BASELINES[name]()


def _fitted(name: str, log: Log, args):
    started = time.perf_counter()
    model = make_model(name, args).fit(log)
    return model, time.perf_counter() - started


def one_step_folds(log: Log, models: list[str], folds: list[int], args):
    """Per fold: the fold's learners, which of their answers are scored (all), the models fitted on the
    other learners and their fit seconds."""
    for fold in folds:
        train = log.subset(lambda s, held_out=fold: s.fold != held_out)
        test = [s for s in log.sequences if s.fold == fold]
        fitted = {name: _fitted(name, train, args) for name in models}
        yield fold, test, [np.ones(len(s), dtype=bool) for s in test], fitted


def continual_folds(log: Log, models: list[str], folds: list[int], args):
    """Per fold: the fold's learners, which of their answers are scored (those after their cut), and
    the models fitted once, before the first fold, on every learner's early answers (fit seconds are
    given with the first fold only)."""
    early, cut = split_in_time(log, args.early)
    fitted = {name: _fitted(name, early, args) for name in models}
    for fold in folds:
        test = [s for s in log.sequences if s.fold == fold and s.learner in cut]
        yield fold, test, [np.arange(len(s)) >= cut[s.learner] for s in test], fitted
        fitted = {name: (model, None) for name, (model, _) in fitted.items()}


def evaluate(log: Log, models: list[str], folds: list[int], args) -> dict:
    per = {m: {k: [] for k in (*METRICS, "fit_seconds")} for m in models}
    multi = {m: {k: [] for k in METRICS} for m in models}
    reference, others = models[0], models[1:]
    replicates = {m: [] for m in others}  # per fold: bootstrap replicates of AUC(reference) - AUC(m)
    point = {m: [] for m in others}
    all_test, all_preds = [], {m: [] for m in models}
    bar = tqdm(total=len(folds) * len(models), desc="folds x models", unit="fit", file=sys.stderr)
    protocol = continual_folds if args.protocol == "continual" else one_step_folds
    for fold, test, scored, fitted in protocol(log, models, folds, args):
        y = np.concatenate([s.correct[m] for s, m in zip(test, scored)])
        learners = np.concatenate([np.full(m.sum(), n) for n, m in enumerate(scored)])
        preds = {}
        for name in models:
            model, fit_seconds = fitted[name]
            if fit_seconds is not None:
                per[name]["fit_seconds"].append(fit_seconds)
            preds[name] = np.concatenate([p[m] for p, m in zip(model.predict(test), scored)])
            for k, v in score(y, preds[name]).items():
                per[name][k].append(v)
            if args.multistep:
                cut, observed, blind = multistep_view(test, args.multistep)
                p = model.predict(cut, observed)
                ys = np.concatenate([s.correct[m] for s, m in zip(cut, blind)])
                for k, v in score(ys, np.concatenate([q[m] for q, m in zip(p, blind)])).items():
                    multi[name][k].append(v)
            # Every figure of the fold, so that an interrupted long run still reports what it measured.
            fit_note = f" (fit {fit_seconds:.0f}s)" if fit_seconds is not None else ""
            bar.write(f"fold {fold} {name}: " + " ".join(f"{k} {per[name][k][-1]:.4f}" for k in METRICS)
                      + fit_note, file=sys.stderr)
            bar.update()
        for name in others if args.bootstrap else ():
            point[name].append(per[reference]["auc"][-1] - per[name]["auc"][-1])
            replicates[name].append(paired_bootstrap_auc_diff(y, preds[reference], preds[name], learners,
                                                              args.bootstrap, seed=fold))
            lo, hi = np.percentile(replicates[name][-1], [2.5, 97.5])
            bar.write(f"fold {fold} {reference} - {name}: auc {point[name][-1]:+.4f} [{lo:+.4f}, {hi:+.4f}]",
                      file=sys.stderr)
        all_test += test
        for name in models:
            all_preds[name].append(preds[name])
    bar.close()
    summary = lambda d: {**{k: float(np.mean(v)) for k, v in d.items()}, "auc_std": float(np.std(d["auc"]))}
    out = {"dataset": args.data, "kc_level": args.kc_level, "protocol": args.protocol, "folds": folds,
           "results": {m: summary(per[m]) for m in models}, "per_fold": per}
    if args.multistep:
        out["multistep"] = {"horizon": args.multistep, "results": {m: summary(multi[m]) for m in models}}
    if args.bootstrap and others:
        out["paired"] = {"reference": reference, "resamples": args.bootstrap, "differences": {
            m: {"auc_diff": float(np.mean(point[m])), "per_fold": point[m],
                "ci95": np.percentile(np.mean(replicates[m], 0), [2.5, 97.5]).tolist()} for m in others}}
    if args.buckets:
        out["buckets"] = bucket_table(all_test, {m: np.concatenate(p) for m, p in all_preds.items()})
    return out


def table(results: dict[str, dict]) -> str:
    lines = [f"{'model':<10} {'auc':>15} {'acc':>7} {'logloss':>8} {'rmse':>7} {'ece':>7} {'fit_s':>7}"]
    for name, r in results.items():
        fit_s = f"{r['fit_seconds']:7.1f}" if "fit_seconds" in r else f"{'-':>7}"
        lines.append(f"{name:<10} {r['auc']:.4f} ± {r['auc_std']:.4f} {r['acc']:7.4f} {r['logloss']:8.4f} "
                     f"{r['rmse']:7.4f} {r['ece']:7.4f} {fit_s}")
    return "\n".join(lines)


def paired_table(paired: dict) -> str:
    lines = [(f"AUC difference {paired['reference']} - model, 95% paired per-learner bootstrap "
             f"({paired['resamples']} resamples):")]
    for name, d in paired["differences"].items():
        lines.append(f"  {name:<10} {d['auc_diff']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]")
    return "\n".join(lines)


def buckets_text(buckets: dict, models: list[str]) -> str:
    lines = []
    for context, rows in buckets.items():
        lines.append(f"{context:<22} {'answers':>8} {'acc':>6} " + " ".join(f"{m:>8}" for m in models))
        for r in rows:
            aucs = " ".join(f"{r[m]:8.4f}" if r[m] is not None else f"{'-':>8}" for m in models)
            lines.append(f"  {r['bucket']:<20} {r['answers']:8d} {r['accuracy']:6.3f} {aucs}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="interaction log (csv or csv.gz)")
    parser.add_argument("--models", default="psikt,irt_pfa,dkt,bkt,pfa,item_mean")
    parser.add_argument("--folds", type=int, default=5, help="use the first N folds")
    parser.add_argument("--fold", type=int, action="append", default=[], metavar="F",
                        help="evaluate only fold F (repeatable; instead of --folds), e.g. one fold per process")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--multistep", type=int, default=0, metavar="H", help="also forecast H answers blind")
    parser.add_argument("--ablate", action="append", default=[], choices=["forgetting", "item_difficulty"])
    parser.add_argument("--epochs", type=int, default=30, help="PSI-KT's maximum epochs (early stopping)")
    parser.add_argument("--online-traits", action="store_true",
                        help="PSI-KT: estimate each test learner's traits from their earlier answers (psikt.tracing.online)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--compile", action="store_true",
                        help="compile PSI-KT's filter step for the fit (psikt.tracing.fit; pays off on large logs)")
    parser.add_argument("--kc-level", action="store_true",
                        help="skill-level view: every answer's item replaced by its KC set")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="paired per-learner bootstrap resamples of the first model's AUC lead (0: none)")
    parser.add_argument("--buckets", action="store_true", help="also AUC per context bucket (psikt.tracing.buckets)")
    parser.add_argument("--protocol", default="one-step", choices=["one-step", "continual"],
                        help="continual: fit once on every learner's early answers, score the later ones")
    parser.add_argument("--early", type=float, default=0.5, metavar="FRACTION",
                        help="continual: the fraction of each learner's answers (in time order) fitted on")
    parser.add_argument("--population-traits", action="store_true",
                        help="continual: PSI-KT starts every learner from the population's traits instead of "
                             "their fitted ones (a control for what those add)")
    args = parser.parse_args(argv)
    if not 0 < args.early < 1:
        parser.error(f"--early must be between 0 and 1 (exclusive), not {args.early}")
    if args.protocol == "continual" and (args.multistep or args.buckets or args.online_traits):
        parser.error("--protocol continual scores later answers with the fitted learners' own traits; "
                     "--multistep, --buckets and --online-traits belong to the one-step protocol")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m != "psikt" and m not in BASELINES]
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)}")
    writable_or_exit(parser, args.json)
    log = log_or_exit(parser, args.data)
    if args.kc_level:
        log = kc_level(log)
    missing = sorted(set(args.fold) - set(log.folds))
    if missing:
        parser.error(f"no fold {', '.join(map(str, missing))} in {args.data} (folds: {log.folds})")
    folds = [f for f in log.folds if f in args.fold] if args.fold else log.folds[: args.folds]
    out = evaluate(log, models, folds, args)
    protocol = f", continual (fitted on each learner's first {args.early:g})" if args.protocol == "continual" else ""
    print(f"{args.data}: {len(out['folds'])} fold(s) {out['folds']}{protocol}")
    print(table(out["results"]))
    if args.multistep:
        print(f"multi-step, next {args.multistep} answers blind after half of each test sequence:")
        print(table(out["multistep"]["results"]))
    if "paired" in out:
        print(paired_table(out["paired"]))
    if "buckets" in out:
        print(buckets_text(out["buckets"], models))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
