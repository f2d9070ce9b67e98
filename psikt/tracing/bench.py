"""Speed of the tracer: fit time and peak memory on a log, and online update latency.

    python -m psikt.tracing.bench --data ../shared/data/assist2009/interactions.csv.gz [--tracer CKPT] [--epochs N] \
        [--compile] [--batch-answers N] [--max-batch N]

Fits on every learner of the log (or loads ``--tracer``), then times ``Tracer.update`` on one CPU
thread for states with 10 and with 1,000 answers of history: the update must not depend on it.
The fit is reported in wall seconds and in the process's CPU seconds, with the load average before
and after: on a shared machine the wall time depends on the other jobs, the CPU time much less.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np
import torch

from .cli import log_or_exit
from .fit import fit
from .tracer import Tracer


def latency(tracer: Tracer, history: int, repeats: int, rng) -> dict[str, float]:
    """Update latency (ms) from a state that has seen ``history`` random answers."""
    items = tracer.items
    state = tracer.new_learner()
    for n in range(history):
        state = tracer.update(state, items[rng.integers(len(items))], int(rng.random() < 0.6), t=60.0 * n)
    times = []
    for r in range(repeats):
        item, y = items[rng.integers(len(items))], int(rng.random() < 0.6)
        started = time.perf_counter()
        tracer.update(state, item, y, t=60.0 * (history + 1))
        times.append((time.perf_counter() - started) * 1e3)
    encoded = json.dumps(state)
    started = time.perf_counter()
    for r in range(repeats):
        json.dumps(tracer.update(json.loads(encoded), items[r % len(items)], 1, t=60.0 * (history + 1)))
    with_json = (time.perf_counter() - started) * 1e3 / repeats
    return {"median_ms": float(np.median(times)), "p99_ms": float(np.percentile(times, 99)),
            "mean_with_json_ms": with_json}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--tracer", help="checkpoint to time instead of fitting")
    parser.add_argument("--save", help="save the fitted tracer here")
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=30, help="maximum epochs of the fit (early stopping)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--compile", action="store_true", help="compile the filter step for the fit (psikt.tracing.fit)")
    parser.add_argument("--batch-answers", type=int, help="padded answers per minibatch (default: fit's)")
    parser.add_argument("--max-batch", type=int, help="learners per minibatch at most (default: fit's)")
    args = parser.parse_args(argv)
    report = {"data": args.data}
    if args.tracer:
        tracer = Tracer.load(args.tracer)
    else:
        batching = {name: value for name, value in (("batch_answers", args.batch_answers), ("max_batch", args.max_batch))
                    if value is not None}
        load_before, started, cpu_started = os.getloadavg(), time.perf_counter(), time.process_time()
        log = log_or_exit(parser, args.data)
        tracer = fit(log, epochs=args.epochs, device=args.device, compiled=args.compile, **batching)
        report.update(answers=log.n_answers, learners=len(log.sequences), torch_threads_fit=torch.get_num_threads(),
                      fit_seconds=time.perf_counter() - started, fit_cpu_seconds=time.process_time() - cpu_started,
                      load_average_before=load_before, load_average_after=os.getloadavg(), **batching,
                      epochs_run=tracer.config["epochs_run"],
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if args.save:
            tracer.save(args.save)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    report["kcs"] = len(tracer.kcs)
    for history in (10, 1000):
        report[f"update_history_{history}"] = latency(tracer, history, args.repeats, rng)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
