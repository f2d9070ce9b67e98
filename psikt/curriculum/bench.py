"""Latency of ``select`` for one learner over a 1,000-item domain, per planner.

    python -m psikt.curriculum.bench [--items 1000] [--kcs 50] [--selects 200]

The domain has ``kcs`` KCs in layers of 10 (each KC's parents: two KCs of the layer above) and
``items`` items spread evenly over them. Each planner first sees 100 answers, then ``selects``
select/observe rounds are timed (select only). ``adaptive`` and ``rollout`` run on a tracer fitted for 2 epochs on
coin-flip answers: enough for timing, which does not depend on what the tracer learned.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from .domain import Domain, Item
from .planners import make_planner, planner_class, planner_names
from .planners.adaptive import fit_on_pilot


def layered_domain(n_kcs: int, n_items: int, seed: int = 0) -> Domain:
    rng = np.random.default_rng(seed)
    kcs = [f"k{k:03d}" for k in range(n_kcs)]
    edges = [(kcs[p], kcs[k]) for k in range(10, n_kcs)
             for p in rng.choice(np.arange(k - k % 10 - 10, k - k % 10), 2, replace=False)]
    items = [Item(f"i{n:04d}", (kcs[n % n_kcs],), float(rng.normal())) for n in range(n_items)]
    return Domain(kcs=kcs, items=items, prerequisites=edges)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m psikt.curriculum.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--kcs", type=int, default=50)
    ap.add_argument("--selects", type=int, default=200)
    args = ap.parse_args(argv)
    domain = layered_domain(args.kcs, args.items)
    rng = np.random.default_rng(1)
    ids = [i.id for i in domain.items]
    pilot = [{"learner": f"p{n}", "answers": [(ids[int(rng.integers(len(ids)))], int(rng.random() < 0.5), s / 480)
                                              for s in range(50)]} for n in range(20)]
    tracer = fit_on_pilot(domain, pilot, epochs=2, seed=0)
    print(f"{'planner':12} {'median ms':>9} {'p99 ms':>7}   ({args.items} items, {args.kcs} KCs)")
    for name in planner_names():
        params = {"tracer": tracer} if planner_class(name).needs_tracer else {}
        planner = make_planner(name, domain, seed=0, **params)
        planner.start("L")
        times = []
        for step in range(100 + args.selects):
            t = step / 480
            start = time.perf_counter()
            item = planner.select("L", t)
            if step >= 100:
                times.append((time.perf_counter() - start) * 1000)
            planner.observe("L", item, bool(rng.random() < 0.6), t)
        print(f"{name:12} {np.median(times):9.2f} {np.percentile(times, 99):7.2f}")


if __name__ == "__main__":
    main()
