"""Planner benchmark on simulated students.

    python -m psikt.curriculum.benchmark [--quick] [--seeds heldout|dev|1,2] [--courses 3] [--learners N]
                                   [--families F1,..] [--scenarios S1,..] [--horizons 50,150]
                                   [--planners a,b,..] [--pilot 50] [--json OUT.json] [--old-protocol]

Every planner (and the oracle) teaches the same students with the same luck (common random numbers),
so each comparison is paired per learner. A cell is taught in several courses (``--courses`` per seed,
each a fresh draw of the family with shuffled KC and item names and declared order, so nothing a
planner is given tells the true layers); 95% CIs come from a hierarchical bootstrap (courses, then
learners within each course). The headline comparisons (``headline``) carry Bonferroni-adjusted
intervals: level 1 - 0.05 / m over the m comparisons of the headline table.

Seeds come in two named sets: ``dev`` (0-3, the seeds every earlier tuning and report used; tune on
these only) and ``heldout`` (never used to choose anything; the default and the headline).
``adaptive`` learns only from what it observes, plus a pilot cohort of other students taught by
``random`` (never scored), and the declared domain; only the oracle sees the simulator's truth.
Whenever ``adaptive`` runs, ``adaptive_prior`` runs too: the same planner on the tracer before any
data (``psikt.tracing.prior_tracer``), so the fitted tracer's share of the lead is measured, paired, every time.
``oracle`` is the greedy oracle (one step of lookahead on the truth, not a bound); ``bound`` is an
upper bound on the post-test of any policy per learner (``Student.posttest_bound``). ``rollout``
shares ``adaptive``'s fitted tracer (one pilot fit per world).
``--old-protocol`` teaches each seed's one course in declared layer order, as the old tables did.
The JSON is rewritten after every cell, so an interrupted run keeps what it finished.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from psikt.tracing import prior_tracer

from .episode import run_episode
from .oracle import Oracle
from .planners import make_planner, planner_class, planner_names
from .planners.adaptive import fit_on_pilot
from .simulate import FAMILIES, SCENARIO_SETTINGS, SCENARIOS, World, make_world

BOOTSTRAP = 2000
ALPHA = 0.05
PILOT_OFFSET = 1_000_000     # pilot learners are other students than the scored ones
QUICK = {"scenarios": ["S1", "S2"], "learners": 6, "pilot": 20, "courses": 1}
METRICS = ("posttest", "retention", "items_to_mastery", "aulc", "waste")
# Development seeds: every seed an earlier session tuned on (0) or looked at (1-3). Held-out seeds
# have chosen nothing; their result is the headline.
SEED_SETS = {"dev": (0, 1, 2, 3), "heldout": (101, 102, 103)}
PRIOR_VARIANT = "adaptive_prior"   # adaptive on the unfitted prior tracer: the fitted tracer's share
BOUND = "bound"                    # the upper bound on the post-test (Student.posttest_bound), not a policy
OURS = ("adaptive", "rollout")     # the planners the headline tests
FIT_EPOCHS = 30
HEADLINE_SCENARIOS = ("S1", "S2", "S4")
SHORT_CELL, NONINFERIORITY = ("S6", 50), 0.03


def paired_ci(diff: np.ndarray, rng: np.random.Generator) -> list[float]:
    """95% percentile bootstrap CI of the mean of per-learner values (paired differences)."""
    return hierarchical_ci(np.asarray(diff, dtype=float)[None, :], rng)


def hierarchical_ci(values: np.ndarray, rng: np.random.Generator, level: float = 1 - ALPHA,
                    draws: int = BOOTSTRAP) -> list[float]:
    """Percentile bootstrap CI of the mean of ``values[course, learner]``: courses are resampled,
    then learners within each resampled course, so the interval carries the course-to-course spread
    as well as the learners' (one course: the paired bootstrap over learners)."""
    values = np.asarray(values, dtype=float)
    courses, learners = values.shape
    pick_course = rng.integers(courses, size=(draws, courses))
    pick_learner = rng.integers(learners, size=(draws, courses, learners))
    means = values[pick_course[:, :, None], pick_learner].mean((1, 2))
    tail = 100 * (1 - level) / 2
    return [float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))]


def seed_set(spec: str) -> tuple[str, tuple[int, ...]]:
    """``dev``, ``heldout`` or a comma list of seeds, with the name of the set it lies in."""
    if spec in SEED_SETS:
        return spec, SEED_SETS[spec]
    seeds = tuple(int(s) for s in spec.split(","))
    for name, members in SEED_SETS.items():
        if set(seeds) <= set(members):
            return name, seeds
    return "ad hoc", seeds


def pilot_log(world: World, learners: int, horizon: int, seed: int) -> list[dict]:
    """Answers of a cohort taught by `random`: the adaptive planner's only data besides its own."""
    planner = make_planner("random", world.domain, seed=seed)
    log = []
    for n in range(learners):
        out = run_episode(world, PILOT_OFFSET + n, planner, horizon, learner_id=f"pilot{n}")
        log.append({"learner": f"pilot{n}", "answers": out.log})
    return log


def planner_params(name: str, horizon: int, pilot: list[dict]) -> dict:
    """A planner's benchmark parameters; one that plans on a tracer fits it on ``pilot``."""
    if name == "fixed_order":
        return {"horizon": horizon}
    if planner_class(name).needs_tracer:
        return {"horizon": horizon, "pilot": pilot}
    return {}


def make_policy(name: str, world: World, horizon: int, fitted):
    """``fitted()``: the tracer fitted on the world's pilot cohort, fitted once and shared by the
    planners that plan on a tracer (the fit ``planner_params``' pilot would make, made once)."""
    seed = world.seed
    if name == "oracle":
        return Oracle(seed)
    d = world.domain
    if name == PRIOR_VARIANT:
        tracer = prior_tracer(d.kcs, d.prerequisites, {i.id: i.kcs for i in d.items},
                              {i.id: i.difficulty for i in d.items}, seed=seed)
        return make_planner("adaptive", d, seed=seed, tracer=tracer, horizon=horizon)
    if planner_class(name).needs_tracer:
        return make_planner(name, d, seed=seed, horizon=horizon, tracer=fitted())
    return make_planner(name, d, seed=seed, **planner_params(name, horizon, []))


def policies_of(planners: list[str]) -> list[str]:
    """The planners asked for, ``adaptive_prior`` beside ``adaptive``, the oracle and the bound."""
    extra = [PRIOR_VARIANT] if "adaptive" in planners and PRIOR_VARIANT not in planners else []
    return planners + extra + ["oracle", BOUND]


def teach_world(world: World, horizon: int, policies: list[str], learners: int, pilot_size: int,
                bar: tqdm) -> dict[str, dict[str, np.ndarray]]:
    """Per policy and metric, the values of learners 0..learners-1 of one world (the bound: its
    post-test only, the other metrics NaN; ``summarise`` reads nothing else of it)."""
    tracer = []

    def fitted():
        if not tracer:   # the same fit adaptive made for itself before, now made once per world
            tracer.append(fit_on_pilot(world.domain, pilot_log(world, pilot_size, horizon, world.seed),
                                       FIT_EPOCHS, world.seed))
        return tracer[0]

    out = {}
    for name in policies:
        if name == BOUND:
            bound = np.array([world.student(n).posttest_bound(horizon) for n in range(learners)])
            out[name] = {m: bound if m == "posttest" else np.full(learners, np.nan) for m in METRICS}
            continue
        policy = make_policy(name, world, horizon, fitted)
        rows = []
        for n in range(learners):
            rows.append(run_episode(world, n, policy, horizon).metrics())
            bar.update(1)
        out[name] = {m: np.array([r[m] for r in rows], dtype=float) for m in METRICS}
    return out


def run_cell(family: str, scenario: str, horizon: int, policies: list[str], learners: int,
             worlds: list[tuple[int, int | None]], pilot_size: int, bar: tqdm) -> dict[str, dict[str, np.ndarray]]:
    """Per policy and metric, values[course, learner] over the worlds (seed, course) of the cell."""
    taught = [teach_world(make_world(family, scenario, seed, course), horizon, policies, learners, pilot_size, bar)
              for seed, course in worlds]
    return {name: {m: np.stack([t[name][m] for t in taught]) for m in METRICS} for name in policies}


def summarise(family: str, scenario: str, horizon: int, values: dict, rng: np.random.Generator) -> list[dict]:
    """The cell's rows: per policy the means and 95% hierarchical CIs of the post-test and of the
    paired differences against the baselines (and, for adaptive, the fitted tracer's share). The
    bound is no policy: each row carries the cell's mean bound and the policy's gap to it."""
    oracle = values["oracle"]["posttest"]
    cells = []
    for name, m in values.items():
        if name == BOUND:
            continue
        post = m["posttest"]
        courses, learners = post.shape
        cell = {"family": family, "scenario": scenario, "horizon": horizon, "planner": name, "courses": courses,
                "learners": learners, "posttest": float(post.mean()), "posttest_ci": hierarchical_ci(post, rng)}
        for base in ("random", "mastery", "fixed_order"):
            if base in values:
                diff = post - values[base]["posttest"]
                cell[f"delta_vs_{base}"] = float(diff.mean())
                cell[f"delta_vs_{base}_ci"] = hierarchical_ci(diff, rng)
        if name == "adaptive" and PRIOR_VARIANT in values:
            diff = post - values[PRIOR_VARIANT]["posttest"]
            cell["tracer_share"], cell["tracer_share_ci"] = float(diff.mean()), hierarchical_ci(diff, rng)
        cell.update({"aulc": float(m["aulc"].mean()), "items_to_mastery": float(m["items_to_mastery"].mean()),
                     "waste": float(m["waste"].mean()), "retention": float(m["retention"].mean()),
                     "bottom_quartile": float(np.mean([np.sort(p)[:max(1, len(p) // 4)].mean() for p in post])),
                     "regret": float((oracle - post).mean())})
        if BOUND in values:
            cell["bound"] = float(values[BOUND]["posttest"].mean())
            cell["gap_to_bound"] = float((values[BOUND]["posttest"] - post).mean())
        if "mastery" in values:
            cell["retention_vs_mastery_ci"] = hierarchical_ci(m["retention"] - values["mastery"]["retention"], rng)
        cells.append(cell)
    return cells


def _fmt_ci(cell: dict, key: str) -> str:
    if key not in cell:
        return ""
    lo, hi = cell[f"{key}_ci"]
    return f"{cell[key]:+.3f} [{lo:+.3f},{hi:+.3f}]"


def print_table(cells: list[dict], out=None) -> None:
    head = (f"{'fam':3} {'scen':4} {'N':>3} {'planner':14} {'posttest':>8} {'d_vs_random [95% CI]':>26} "
            f"{'d_vs_mastery [95% CI]':>26} {'d_vs_fixed [95% CI]':>26} {'aulc':>5} {'itm':>5} {'waste':>5} "
            f"{'retent':>6} {'botQ':>5} {'regret':>6} {'bound':>5}")
    print(head, file=out)
    for c in cells:
        print(f"{c['family']:3} {c['scenario']:4} {c['horizon']:>3} {c['planner']:14} {c['posttest']:8.3f} "
              f"{_fmt_ci(c, 'delta_vs_random'):>26} {_fmt_ci(c, 'delta_vs_mastery'):>26} "
              f"{_fmt_ci(c, 'delta_vs_fixed_order'):>26} {c['aulc']:5.3f} {c['items_to_mastery']:5.1f} "
              f"{c['waste']:5.3f} {c['retention']:6.3f} {c['bottom_quartile']:5.3f} {c['regret']:6.3f} {c.get('bound', math.nan):5.3f}", file=out)


def headline_comparisons(values: dict[tuple[str, str, int], dict]) -> list[dict]:
    """The comparisons the issue's targets name, with the per-learner differences behind each:
    each of our planners (``OURS``: adaptive, rollout) against mastery and fixed_order at S1, S2 and
    S4 (N = 150: must be above zero), against mastery at S6 N = 50 (must not be worse by more than
    0.03), and the fitted tracer's share per family (adaptive - adaptive_prior, averaged per learner
    over the headline scenarios the run has)."""
    rows = []
    families = sorted({f for f, _, _ in values})
    for f in families:
        for ours in OURS:
            for s in HEADLINE_SCENARIOS:
                cell = values.get((f, s, 150), {})
                for base in ("mastery", "fixed_order"):
                    if ours in cell and base in cell:
                        rows.append({"family": f, "where": f"{s} N=150", "comparison": f"{ours} - {base}", "bound": 0.0,
                                     "diff": cell[ours]["posttest"] - cell[base]["posttest"]})
            short = values.get((f, *SHORT_CELL), {})
            if ours in short and "mastery" in short:
                rows.append({"family": f, "where": f"{SHORT_CELL[0]} N={SHORT_CELL[1]}", "comparison": f"{ours} - mastery",
                             "bound": -NONINFERIORITY, "diff": short[ours]["posttest"] - short["mastery"]["posttest"]})
        shares = [values[(f, s, 150)] for s in HEADLINE_SCENARIOS if PRIOR_VARIANT in values.get((f, s, 150), {})]
        if shares:
            where = "+".join(s for s in HEADLINE_SCENARIOS if PRIOR_VARIANT in values.get((f, s, 150), {}))
            rows.append({"family": f, "where": f"{where} N=150", "comparison": "tracer share (adaptive - adaptive_prior)",
                         "bound": 0.0, "diff": np.mean([c["adaptive"]["posttest"] - c[PRIOR_VARIANT]["posttest"]
                                                       for c in shares], axis=0)})
    return rows


def headline(values: dict[tuple[str, str, int], dict], rng: np.random.Generator) -> list[dict]:
    """The headline comparisons with Bonferroni-adjusted hierarchical CIs (level 1 - 0.05 / m over
    the m comparisons): a target is met when the adjusted lower bound clears its bound."""
    rows = headline_comparisons(values)
    level = 1 - ALPHA / max(1, len(rows))
    # Enough resamples that each adjusted tail holds about 20 of them.
    draws = max(BOOTSTRAP, math.ceil(40 / (1 - level)))
    out = []
    for r in rows:
        lo, hi = hierarchical_ci(r["diff"], rng, level, draws)
        out.append({"family": r["family"], "where": r["where"], "comparison": r["comparison"], "bound": r["bound"],
                    "mean": float(r["diff"].mean()), "ci": [lo, hi], "level": level, "comparisons": len(rows),
                    "met": lo > r["bound"]})
    return out


def print_headline(rows: list[dict], label: str, out=None) -> None:
    if not rows:
        return
    print(f"\nHeadline ({label} seeds; Bonferroni over {rows[0]['comparisons']} comparisons, "
          f"{rows[0]['level']:.2%} hierarchical CIs):", file=out)
    for r in rows:
        verdict = "PASS" if r["met"] else "FAIL"
        print(f"  {verdict} {r['family']} {r['where']:14} {r['comparison']:42} {r['mean']:+.3f} "
              f"[{r['ci'][0]:+.3f},{r['ci'][1]:+.3f}]  (lower bound must exceed {r['bound']:+.2f})", file=out)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(prog="python -m psikt.curriculum.benchmark", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="S1 and S2, one course per seed, 6 learners, pilot 20")
    ap.add_argument("--seeds", default="heldout", help="heldout (default, the headline), dev (tune on these only) or a list")
    ap.add_argument("--courses", type=int, default=None, help="courses per seed (default 3; quick 1)")
    ap.add_argument("--old-protocol", action="store_true",
                    help="each seed's one course in declared layer order, as the old tables (--courses ignored)")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--scenarios", default=None, help="default: all (S1..S6); --quick: S1,S2")
    ap.add_argument("--horizons", default=None, help="keep only these horizons (e.g. 50,150)")
    ap.add_argument("--learners", type=int, default=None, help="scored learners per course (default 20; quick 6)")
    ap.add_argument("--planners", default=",".join(planner_names()))
    ap.add_argument("--pilot", type=int, default=None, help="pilot learners taught by random for adaptive (default 50; quick 20)")
    ap.add_argument("--json", default=None, metavar="OUT.json")
    ap.add_argument("--combine", nargs="+", metavar="RUN.json", help="only print the headline over these runs' JSONs")
    args = ap.parse_args(argv)
    if args.combine:
        return combine(args.combine)
    families = args.families.split(",")
    scenarios = (args.scenarios.split(",") if args.scenarios else QUICK["scenarios"] if args.quick else list(SCENARIOS))
    learners = args.learners if args.learners is not None else (QUICK["learners"] if args.quick else 20)
    pilot = args.pilot if args.pilot is not None else (QUICK["pilot"] if args.quick else 50)
    courses = args.courses if args.courses is not None else (QUICK["courses"] if args.quick else 3)
    planners = args.planners.split(",")
    try:
        label, seeds = seed_set(args.seeds)
        horizons = {int(n) for n in args.horizons.split(",")} if args.horizons else None
    except ValueError:
        ap.error("--seeds is heldout, dev or a comma list of seeds; --horizons a comma list of numbers")
    for name in planners:
        if name not in planner_names():
            ap.error(f"unknown planner {name!r}: one of {planner_names()}")
    for f in families:
        if f not in FAMILIES:
            ap.error(f"unknown family {f!r}: one of {FAMILIES}")
    for s in scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r}: one of {SCENARIOS}")
    if learners < 1 or pilot < 0 or courses < 1 or min(seeds) < 0:
        ap.error("--learners and --courses must be at least 1, --pilot and the seeds at least 0")
    if "adaptive" in planners and pilot == 0:
        ap.error("adaptive learns from a pilot cohort: --pilot must be at least 1")
    if args.json and not os.access(Path(args.json).resolve().parent, os.W_OK):  # before the long run, not after
        ap.error(f"cannot write {args.json}: its folder does not exist or is not writable")
    worlds = [(s, None) for s in seeds] if args.old_protocol else [(s, c) for s in seeds for c in range(courses)]
    grid = [(f, s, n) for f in families for s in scenarios for n in SCENARIO_SETTINGS[s].horizons
            if horizons is None or n in horizons]
    policies = policies_of(planners)
    protocol = {"seed_set": label, "seeds": list(seeds), "courses_per_seed": None if args.old_protocol else courses,
                "shuffled": not args.old_protocol, "learners_per_course": learners, "pilot": pilot}
    print(f"{label} seeds {list(seeds)}, {len(worlds)} course(s) per cell, {learners} learners per course"
          f"{', old protocol (declared layer order)' if args.old_protocol else ', shuffled worlds'}", file=sys.stderr)
    rng = np.random.default_rng([*seeds, 99])
    cells: list[dict] = []
    values: dict[tuple[str, str, int], dict] = {}
    with tqdm(total=len(grid) * len(worlds) * len(policies) * learners, desc="episodes", unit="learner", file=sys.stderr) as bar:
        for f, s, n in grid:
            bar.set_postfix_str(f"{f} {s} N={n}")
            values[(f, s, n)] = run_cell(f, s, n, policies, learners, worlds, pilot, bar)
            cells.extend(summarise(f, s, n, values[(f, s, n)], rng))
            if args.json:
                write_result(args.json, protocol, cells, values)
    rows = headline(values, rng)
    if args.json:
        write_result(args.json, protocol, cells, values, rows)
    print_table(cells)
    print_headline(rows, label)
    return cells


def write_result(path: str, protocol: dict, cells: list[dict], values: dict, rows: list[dict] | None = None) -> None:
    """The JSON of a run: its cells, its headline, and each cell's post-tests per policy, course and
    learner, so runs split over processes (a family each) can be combined into one headline."""
    posttests = {" ".join(map(str, key)): {name: m["posttest"].tolist() for name, m in cell.items()}
                 for key, cell in values.items()}
    with open(path, "w") as fh:
        json.dump({"protocol": protocol, "cells": cells, **({"headline": rows} if rows is not None else {}),
                   "posttests": posttests}, fh, indent=1)


def combine(paths: list[str], out=None) -> list[dict]:
    """The headline over several runs' JSONs (a family or a seed each, say), Bonferroni over all
    their comparisons together: ``python -m psikt.curriculum.benchmark --combine F1.json F2.json ...``.
    A cell found in several runs (other seeds) has their courses side by side. Printed first: per
    cell, each policy's mean post-test and our planners' differences with 95% hierarchical CIs."""
    values: dict[tuple[str, str, int], dict] = {}
    labels = set()
    for path in paths:
        data = json.loads(Path(path).read_text())
        labels.add(data["protocol"]["seed_set"])
        for key, cell in data["posttests"].items():
            f, s, n = key.split()
            have = values.setdefault((f, s, int(n)), {})
            for name, v in cell.items():
                post = np.array(v, dtype=float)
                have[name] = {"posttest": np.concatenate([have[name]["posttest"], post]) if name in have else post}
    for key, cell in values.items():
        if len({m["posttest"].shape for m in cell.values()}) > 1:
            raise SystemExit(f"--combine: the runs taught cell {' '.join(map(str, key))} with different policies, "
                             "courses or learners; combine runs of the same planners and sizes")
    rng = np.random.default_rng(99)
    print_combined(values, rng, out)
    rows = headline(values, rng)
    print_headline(rows, "+".join(sorted(labels)), out)
    return rows


def print_combined(values: dict[tuple[str, str, int], dict], rng: np.random.Generator, out=None) -> None:
    for (f, s, n), cell in sorted(values.items()):
        courses, learners = cell[next(iter(cell))]["posttest"].shape
        means = "  ".join(f"{name} {m['posttest'].mean():.3f}" for name, m in cell.items())
        print(f"{f} {s} N={n} ({courses} courses x {learners} learners): {means}", file=out)
        for ours in OURS:
            for base in ("mastery", "fixed_order", "adaptive"):
                if ours in cell and base in cell and ours != base:
                    diff = cell[ours]["posttest"] - cell[base]["posttest"]
                    lo, hi = hierarchical_ci(diff, rng)
                    print(f"    {ours} - {base}: {diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]", file=out)
        if "adaptive" in cell and PRIOR_VARIANT in cell:
            diff = cell["adaptive"]["posttest"] - cell[PRIOR_VARIANT]["posttest"]
            lo, hi = hierarchical_ci(diff, rng)
            print(f"    tracer share (adaptive - adaptive_prior): {diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]", file=out)


if __name__ == "__main__":
    main()
