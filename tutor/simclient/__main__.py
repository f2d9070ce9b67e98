"""Command line of the simulation client; see the package docstring and `--help`."""
from __future__ import annotations

import argparse
import json
import os
import sys

from psikt.curriculum import planner_names
from psikt.curriculum.simulate import FAMILIES, SCENARIOS

from .client import ClientError
from .domain import course_slug, served_world
from .runs import VIAS, run_compare, run_direct, run_load


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tutor.simclient", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default="http://127.0.0.1:8000", help="the server (127.0.0.1/localhost only)")
    common.add_argument("--token", default=os.environ.get("TUTOR_API_TOKEN", ""),
                        help="API client token (default $TUTOR_API_TOKEN; manage.py create_api_client NAME)")
    common.add_argument("--family", default="F1", choices=FAMILIES)
    common.add_argument("--scenario", default="S1", choices=SCENARIOS)
    common.add_argument("--seed", type=int, default=0, help="the world's seed, as loaded by load_sim_course")
    common.add_argument("--json", metavar="OUT.json", help="also write the report as JSON ('-': stdout only)")
    common.add_argument("--via", default="pair", choices=VIAS,
                        help="pair: next/ then attempts/ (two requests a step); step: the cohort step endpoint; "
                             "single: attempts/ with \"next\": true (one request a step)")
    sub = ap.add_subparsers(dest="mode", required=True)
    load = sub.add_parser("load", parents=[common], help="throughput, latency, errors, lost/duplicated attempts")
    load.add_argument("--planner", default="adaptive", choices=planner_names())
    load.add_argument("--learners", type=int, default=64)
    load.add_argument("--concurrency", type=int, default=32, help="concurrent workers (threads)")
    load.add_argument("--steps", type=int, default=40, help="answers per learner at most")
    load.add_argument("--duration", type=float, default=60.0, help="seconds at most")
    load.add_argument("--warmup", type=float, default=3.0, help="seconds left out of the figures")
    load.add_argument("--rate", type=float, default=None,
                      help="open loop: offer this many steps per second (--via pair or single); default closed loop")
    direct = sub.add_parser("direct", parents=[common],
                            help="the same planner and students in process (psikt.curriculum.episode): steps/s")
    direct.add_argument("--planner", default="adaptive", choices=planner_names())
    direct.add_argument("--learners", type=int, default=64)
    direct.add_argument("--steps", type=int, default=40)
    direct.add_argument("--planner-seed", type=int, required=True, help="as compare's")
    direct.add_argument("--pilot", type=int, default=20, help="as compare's")
    compare = sub.add_parser("compare", parents=[common],
                             help="the benchmark's planners through the API beside the direct benchmark")
    compare.add_argument("--planners", default="random,fixed_order,mastery,zpdes,adaptive")
    compare.add_argument("--learners", type=int, default=12)
    compare.add_argument("--steps", type=int, default=150)
    compare.add_argument("--planner-seed", type=int, required=True,
                         help="the server's planner seed (the course id load_sim_course prints)")
    compare.add_argument("--pilot", type=int, default=20, help="the pilot size load_sim_course fitted adaptive on")
    return ap


def _print_load(report: dict) -> None:
    print(f"{report['attempts_per_s']} attempts/s over {report['window_s']} s via {report['via']} "
          f"({report['attempts_in_window']} attempts after a {report['warmup_s']} s warm-up; "
          f"{report['concurrency']} workers, {report['learners']} {report['planner']} learners)")
    for name, figures in report["latency"].items():
        if figures["n"]:
            print(f"  {name:9} n={figures['n']:6}  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
                  f"  p99 {figures['p99_ms']:7.1f} ms")
    if report.get("open_loop"):
        loop = report["open_loop"]
        print(f"  open loop: {loop['offered_per_s']} steps/s offered, {loop['offered']} offered, "
              f"{loop['dropped']} dropped (no free learner or thread)")
    print(f"  errors: {report['errors'] or 'none'}")
    stored = report["stored"]
    print(f"  acknowledged {stored['acknowledged']}, stored {stored['stored']}, lost {stored['lost']}, "
          f"duplicated {stored['duplicated']}")


def _print_direct(report: dict) -> None:
    print(f"direct: {report['steps_per_s']} steps/s ({report['learners']} {report['planner']} learners x "
          f"{report['steps']} steps in {report['wall_s']} s; {report['cpu_ms_per_step']} ms CPU a step)")


def _print_compare(report: dict) -> None:
    print(f"post-test after {report['steps']} items, {report['learners']} learners per planner "
          f"(planner seed {report['planner_seed']}, pilot {report['pilot']})")
    print(f"  {'planner':12} {'api':>8} {'direct':>8}  identical per learner")
    for row in report["planners"]:
        same = "yes" if row["identical"] else f"no (max diff {row['max_abs_diff']:.2g})"
        print(f"  {row['planner']:12} {row['api_posttest']:8.4f} {row['direct_posttest']:8.4f}  {same}")
    print(f"  ranking via API: {' > '.join(report['api_ranking'])}")
    print(f"  ranking direct:  {' > '.join(report['direct_ranking'])}")
    print(f"  same ranking: {'yes' if report['same_ranking'] else 'NO'}")


def main(argv: list[str] | None = None) -> dict:
    args = _parser().parse_args(argv)
    if args.mode == "direct":
        world = served_world(args.family, args.scenario, args.seed)
        return _reported(args, run_direct(world=world, planner=args.planner, learners=args.learners,
                                          steps=args.steps, planner_seed=args.planner_seed, pilot=args.pilot))
    if not args.token:
        raise ClientError("no token: pass --token KEY or set TUTOR_API_TOKEN (manage.py create_api_client NAME)")
    world = served_world(args.family, args.scenario, args.seed)
    course = course_slug(args.family, args.scenario, args.seed)
    if args.mode == "load":
        report = run_load(url=args.url, token=args.token, world=world, course=course, planner=args.planner,
                          learners=args.learners, concurrency=args.concurrency, steps=args.steps,
                          duration=args.duration, warmup=args.warmup, via=args.via, rate=args.rate)
    else:
        planners = args.planners.split(",")
        unknown = [name for name in planners if name not in planner_names()]
        if unknown or args.learners < 1 or args.steps < 1:
            raise ClientError(f"--planners must be among {planner_names()}, --learners and --steps at least 1")
        report = run_compare(url=args.url, token=args.token, world=world, course=course, planners=planners,
                             learners=args.learners, steps=args.steps, planner_seed=args.planner_seed,
                             pilot=args.pilot, via=args.via)
    return _reported(args, report)


PRINTERS = {"load": _print_load, "compare": _print_compare, "direct": _print_direct}


def _reported(args, report: dict) -> dict:
    if args.json == "-":
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        PRINTERS[args.mode](report)
        if args.json:
            with open(args.json, "w") as out:
                json.dump(report, out, indent=1)
    return report


if __name__ == "__main__":
    try:
        main()
    except ClientError as error:
        sys.exit(f"simclient: {error}")
    except KeyboardInterrupt:
        sys.exit("simclient: interrupted")
