"""The two runs of the simulation client: `load` (many learners, concurrent workers, throughput and
latency) and `compare` (the benchmark's planners through the API against the direct benchmark)."""
from __future__ import annotations

import queue
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from psikt.curriculum.simulate import World

from .client import (
    Api,
    ClientError,
    CohortStepper,
    Learner,
    Stats,
    check_server,
    cohort_create,
    learner_create,
    percentiles,
    reconcile,
)
from .domain import direct_planner, direct_posttests, direct_teach

PROGRESS_EVERY = 2.0  # seconds
MAX_STEP_ENTRIES = 100  # the server's cap on entries per step request (tutor.api.serializers.MAX_BATCH)


def _progress(stats: Stats, start: float, done: threading.Event, out) -> None:
    last_n, last_t = 0, start
    while not done.wait(PROGRESS_EVERY):
        now = time.perf_counter()
        with stats.lock:
            n, errors = len(stats.acknowledged_at), sum(stats.errors.values())
        print(f"[{now - start:6.1f}s] attempts {n}  ({(n - last_n) / (now - last_t):6.1f}/s)  errors {errors}",
              file=out, flush=True)
        last_n, last_t = n, now


# next/ then attempts/ (two requests a step); a cohort's step endpoint (one request a step of many
# learners); attempts/ with "next": true (one request a step of one learner).
VIAS = ("pair", "step", "single")


def _cohort_steppers(api: Api, world: World, run: str, *, course: str, planner: str, learners: int,
                     parts: int) -> list[CohortStepper]:
    """A cohort of `learners`, dealt round-robin into `parts` steppers (one per worker)."""
    cohort, ids = cohort_create(api, course=course, planner=planner, size=learners)
    everyone = [Learner(world, n, learner_id, run) for n, learner_id in enumerate(ids)]
    return [CohortStepper(cohort, everyone[part::parts]) for part in range(min(parts, learners))]


def _learner_step(learner: Learner, api: Api, via: str) -> bool:
    return learner.step_single(api) if via == "single" else learner.step(api)


def _closed_loop(todo: queue.SimpleQueue, *, url: str, token: str, stats: Stats, via: str, steps: int,
                 concurrency: int, deadline: float) -> None:
    """`concurrency` workers, each sending its next request as soon as the last one is answered."""
    def work():
        api = Api(url, token, stats)
        try:
            # One learner (or stepper) per worker at a time, round-robin: each learner's answers
            # stay in order (its simulated clock only runs forward).
            while time.perf_counter() < deadline:
                try:
                    driven = todo.get_nowait()
                except queue.Empty:
                    return
                if isinstance(driven, CohortStepper):
                    driven.step(api, steps)
                    if not driven.done(steps):
                        todo.put(driven)
                    continue
                _learner_step(driven, api, via)
                if driven.steps < steps:
                    todo.put(driven)
        finally:
            api.close()

    workers = [threading.Thread(target=work) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _open_loop(todo: queue.SimpleQueue, *, url: str, token: str, stats: Stats, via: str, steps: int,
               concurrency: int, deadline: float, rate: float) -> dict:
    """Steps offered at a fixed rate (one every 1/`rate` s, whatever the answers' latency), each to
    the next learner with no step in flight, run by up to `concurrency` threads: latency below
    saturation is measured as service time, not as the queue a closed loop builds. An arrival that
    finds every learner busy (or every thread taken) is counted as dropped, never sent late."""
    local = threading.local()
    apis: list[Api] = []
    slots = threading.Semaphore(concurrency)

    def run(learner: Learner) -> None:
        try:
            if not hasattr(local, "api"):
                local.api = Api(url, token, stats)
                apis.append(local.api)
            _learner_step(learner, local.api, via)
            if learner.steps < steps:
                todo.put(learner)
        finally:
            slots.release()

    offered = dropped = 0
    due = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        while due < deadline:
            time.sleep(max(0.0, due - time.perf_counter()))
            due += 1.0 / rate
            offered += 1
            if not slots.acquire(blocking=False):
                dropped += 1
                continue
            try:
                learner = todo.get_nowait()
            except queue.Empty:
                slots.release()
                dropped += 1
                continue
            pool.submit(run, learner)
    for api in apis:
        api.close()
    return {"offered_per_s": rate, "offered": offered, "dropped": dropped}


def run_load(*, url: str, token: str, world: World, course: str, planner: str, learners: int, concurrency: int,
             steps: int, duration: float, warmup: float, via: str = "pair", rate: float | None = None,
             progress=sys.stderr) -> dict:
    """`learners` simulated students, `steps` answers each at most, driven by `concurrency` workers
    for at most `duration` seconds, two requests a step (`via` "pair"), one (`via` "single":
    attempts/ with "next": true) or through a cohort's step endpoint (`via` "step": each worker steps
    its share of the cohort, one request a step of all of them). Closed loop (each worker sends when
    its last request is answered), or open loop at `rate` steps/s (pair and single only). Figures
    count what finished after `warmup` seconds (the servers' first requests build their course
    engines)."""
    if min(learners, concurrency, steps) < 1 or duration <= warmup:
        raise ClientError("--learners, --concurrency and --steps must be at least 1, and --duration above --warmup")
    if rate is not None and (rate <= 0 or via == "step"):
        raise ClientError("--rate (steps/s offered, open loop) must be positive, with --via pair or single")
    if via == "step" and learners > concurrency * MAX_STEP_ENTRIES:
        raise ClientError(f"--via step sends each worker's learners in one request: at most {MAX_STEP_ENTRIES} "
                          "learners per worker (raise --concurrency)")
    check_server(url, token, course)
    stats, run = Stats(), uuid.uuid4().hex[:8]
    setup = Api(url, token, stats)
    todo: queue.SimpleQueue[Learner | CohortStepper] = queue.SimpleQueue()
    try:
        if via == "step":
            for stepper in _cohort_steppers(setup, world, run, course=course, planner=planner, learners=learners,
                                            parts=concurrency):
                todo.put(stepper)
        else:
            for n in range(learners):
                learner_id = learner_create(setup, course=course, planner=planner, external_id=f"load-{run}-{n}")
                todo.put(Learner(world, n, learner_id, run))
        stats.latencies.clear()  # creation is set-up, not the measured loop
        start, cpu_start = time.perf_counter(), time.process_time()
        deadline = start + duration
        done = threading.Event()
        reporter = threading.Thread(target=_progress, args=(stats, start, done, progress), daemon=True)
        reporter.start()
        loop = {"url": url, "token": token, "stats": stats, "via": via, "steps": steps, "concurrency": concurrency,
                "deadline": deadline}
        offered = _open_loop(todo, **loop, rate=rate) if rate is not None else None
        if rate is None:
            _closed_loop(todo, **loop)
        end, client_cpu = time.perf_counter(), time.process_time() - cpu_start
        done.set()
        window_start = start + warmup
        measured = [t for t in stats.acknowledged_at if t >= window_start]
        report = {
            "mode": "load", "via": via, "course": course, "planner": planner, "learners": learners,
            "concurrency": concurrency,
            "steps": steps, "warmup_s": warmup, "window_s": round(end - window_start, 2),
            "attempts_acknowledged": len(stats.acknowledged_at), "attempts_in_window": len(measured),
            "attempts_per_s": round(len(measured) / max(end - window_start, 1e-9), 1),
            "latency": {name: percentiles([ms for t, ms in rows if t >= window_start])
                        for name, rows in sorted(stats.latencies.items())},
            "errors": dict(stats.errors),
            "client_cpu_s": round(client_cpu, 2),  # this process: simulators, HTTP, JSON
            "open_loop": offered,  # None: closed loop
        }
        report["stored"] = reconcile(setup, stats)
        return report
    finally:
        setup.close()


def _ranking(means: dict[str, float]) -> list[str]:
    return sorted(means, key=lambda name: -means[name])


def _taught(api: Api, world: World, run: str, *, via: str, course: str, planner: str, learners: int,
            steps: int) -> list[Learner]:
    """Students 0..learners-1 taught `steps` items each through the API, one after the other as the
    benchmark teaches them (a pooling planner pools over the learners taught before): two requests a
    step, or (`via` "step") through a cohort's step endpoint, one learner per request."""
    if via == "step":
        cohort, ids = cohort_create(api, course=course, planner=planner, size=learners)
        pupils = [Learner(world, n, learner_id, run) for n, learner_id in enumerate(ids)]
        steppers = {learner.id: CohortStepper(cohort, [learner]) for learner in pupils}

        def step(learner: Learner) -> bool:
            return steppers[learner.id].step(api, steps) and not api.stats.errors
    else:
        pupils = [Learner(world, n, learner_create(api, course=course, planner=planner,
                                                   external_id=f"compare-{run}-{planner}-{n}"), run)
                  for n in range(learners)]

        def step(learner: Learner) -> bool:
            return learner.step(api)
    for learner in pupils:
        while learner.steps < steps:
            if not step(learner):
                raise ClientError(f"{planner} learner {learner.id} failed at step {learner.steps}: "
                                  f"{dict(api.stats.errors)}")
    return pupils


def run_compare(*, url: str, token: str, world: World, course: str, planners: list[str], learners: int, steps: int,
                planner_seed: int, pilot: int, via: str = "pair", progress=sys.stderr) -> dict:
    """Each planner teaches students 0..learners-1 through the API (`_taught`, two requests a step
    or the cohort step endpoint), then the same students are taught directly
    (`psikt.curriculum.episode.run_episode`).
    The course must have no earlier `adaptive` learners: the served planner pools its prior over the
    course's learners, the direct one over the students of this run."""
    check_server(url, token, course)
    stats, run = Stats(), uuid.uuid4().hex[:8]
    api = Api(url, token, stats)
    rows = []
    try:
        for planner in planners:
            served = _taught(api, world, run, via=via, course=course, planner=planner, learners=learners,
                             steps=steps)
            api_post = [learner.student.posttest() for learner in served]
            names = [(n, str(learner.id)) for n, learner in enumerate(served)]
            direct = direct_posttests(world, planner, names, steps, planner_seed, pilot)
            row = {"planner": planner, "api_posttest": float(np.mean(api_post)),
                   "direct_posttest": float(np.mean(direct)), "api_per_learner": api_post,
                   "direct_per_learner": direct, "identical": api_post == direct,
                   "max_abs_diff": float(np.max(np.abs(np.subtract(api_post, direct))))}
            rows.append(row)
            print(f"{planner}: api {rows[-1]['api_posttest']:.4f}  direct {rows[-1]['direct_posttest']:.4f}",
                  file=progress, flush=True)
    finally:
        api.close()
    api_rank = _ranking({r["planner"]: r["api_posttest"] for r in rows})
    direct_rank = _ranking({r["planner"]: r["direct_posttest"] for r in rows})
    return {"mode": "compare", "via": via, "course": course, "learners": learners, "steps": steps, "planner_seed": planner_seed,
            "pilot": pilot, "planners": rows, "api_ranking": api_rank, "direct_ranking": direct_rank,
            "same_ranking": api_rank == direct_rank}


def run_direct(*, world: World, planner: str, learners: int, steps: int, planner_seed: int, pilot: int) -> dict:
    """The same students taught by the same planner in process (`psikt.curriculum.episode.run_episode`, as
    `compare` runs it): steps per second of wall time and of this process's CPU, the pilot fit left out."""
    policy = direct_planner(world, planner, planner_seed, pilot)
    start, cpu_start = time.perf_counter(), time.process_time()
    direct_teach(world, policy, [(n, f"direct-{n}") for n in range(learners)], steps)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"mode": "direct", "planner": planner, "learners": learners, "steps": steps, "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "steps_per_s": round(learners * steps / wall, 1),
            "cpu_ms_per_step": round(1000 * cpu / (learners * steps), 3)}
